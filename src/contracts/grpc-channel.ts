/**
 * Channel options for every short-lived gRPC client on a kubelet socket (plugin registration, the
 * agent's pod-resources client, the kubelet emulator's plugin endpoints): a private subchannel
 * pool, so closing the client releases its socket and timers at once (the shared pool keeps them
 * for a while).
 */
export const PRIVATE_CHANNEL_OPTIONS = { 'grpc.use_local_subchannel_pool': 1 } as const;
