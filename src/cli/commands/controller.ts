import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { parseListenAddr } from '../../util/listen-addr.js';

/** `epc controller`: the modeled EPC controller of one node, serving control.sock and one enclave socket per bound slot. */
export function controllerCommand(): Command {
  return new Command('controller')
    .description('run the modeled SGX EPC controller of one node in real time (control.sock + slots/<slot>/enclave.sock per bound slot in --socket-dir)')
    .requiredOption('--socket-dir <dir>', 'directory for control.sock and slots/<slot>/enclave.sock (at most 55 bytes: unix socket paths are limited)')
    .option('--capacity <size>', 'EPC capacity (bytes with Ki/Mi/Gi suffix, e.g. 256Mi)', '256Mi')
    .option('--metrics-addr <host:port>', 'serve Prometheus /metrics here')
    .option('--cost-scale <n>', 'multiplier on simulated paging time applied as caller delay (0 = none)', '1')
    .option('--costs <spec>', 'cost model: evictCycles=N,reloadCycles=N,einitCycles=N,ghz=N (or JSON)')
    .option('--fault-retry-ms <ms>', 'how long a fault answered EBUSY is retried before EBUSY is returned', '1000')
    .action(async (o: { socketDir: string; capacity: string; metricsAddr?: string; costScale: string; costs?: string; faultRetryMs: string }) => {
      const { parseQuantityToPages } = await import('../../epc/index.js');
      const { parseCosts } = await import('../../controller/parse-costs.js');
      const cap = parseQuantityToPages(o.capacity, { plain: 'bytes' });
      if ('error' in cap) throw new CliError(`--capacity ${cap.error}`, 2);
      if (cap.pages <= 0) throw new CliError('--capacity must be at least one page (4096 bytes)', 2);
      const costScale = Number(o.costScale);
      if (!Number.isFinite(costScale) || costScale < 0) throw new CliError(`--cost-scale must be a number >= 0, got ${o.costScale}`, 2);
      const faultRetryMs = Number(o.faultRetryMs);
      if (!Number.isInteger(faultRetryMs) || faultRetryMs < 0) throw new CliError(`--fault-retry-ms must be an integer >= 0, got ${o.faultRetryMs}`, 2);
      let costs = {};
      if (o.costs !== undefined) {
        const c = parseCosts(o.costs);
        if ('error' in c) throw new CliError(`--costs ${c.error}`, 2);
        costs = c.costs;
      }
      if (o.metricsAddr !== undefined) {
        try {
          parseListenAddr(o.metricsAddr, '--metrics-addr');
        } catch (err) {
          throw new CliError((err as Error).message, 2);
        }
      }

      const { socketDirLengthProblem, ensureSocketDir } = await import('../../controller/socket-dir.js');
      const tooLong = socketDirLengthProblem(o.socketDir);
      if (tooLong) throw new CliError(`--socket-dir ${tooLong}`, 2);
      // Every flag is valid; the dir is the last check (and the first thing created).
      try {
        await ensureSocketDir(o.socketDir);
      } catch (err) {
        throw new CliError(`--socket-dir unusable: ${(err as Error).message}`, 2);
      }

      const { EpcController } = await import('../../controller/epc-controller.js');
      const { SocketInUseError } = await import('../../controller/unix-socket-server.js');
      const controller = new EpcController({ socketDir: o.socketDir, capacityPages: cap.pages, costScale, costs, metricsAddr: o.metricsAddr, faultRetryMs });
      try {
        await controller.start();
      } catch (err) {
        if (err instanceof SocketInUseError) throw new CliError(err.message, 1);
        throw new CliError(`cannot start: ${(err as Error).message}`, 1);
      }
      const { printReady, untilSignal } = await import('../../util/process-lifecycle.js');
      printReady({ controlSocket: controller.controlSocket, slotSocket: controller.slotSocket('<slot>'), metricsAddr: controller.metricsAddress() ?? null, capacityPages: cap.pages });
      await untilSignal();
      await controller.stop().catch(() => undefined);
    });
}
