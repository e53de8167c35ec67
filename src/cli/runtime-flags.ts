/**
 * Imported first by the CLI entry point: process-wide settings that must be in place before any
 * other module loads (ES modules evaluate in import order). Only `epc agent` tunes its V8.
 */
import { applyAgentV8Flags } from '../agent/agent-runtime-env.js';

if (process.argv[2] === 'agent') applyAgentV8Flags();
