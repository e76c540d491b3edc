// Starts the telegram-test-api emulator on 127.0.0.1 for cadrebot's e2e tests.
//
//   node emulator.mjs [--port N]     (N = 0 or omitted: pick a free port)
//
// Prints one line `EMULATOR_READY http://127.0.0.1:<port>` once it listens, and
// exits on SIGTERM/SIGINT or when its stdin closes (so it dies with its parent).
// The package's CommonJS entry sets module.exports to the TelegramServer class itself.
import TelegramServer from 'telegram-test-api';

const portArg = process.argv.indexOf('--port');
const port = portArg > -1 ? Number(process.argv[portArg + 1]) : 0;

// storeTimeout (seconds): how long the emulator keeps messages; longer than any test run.
const server = new TelegramServer({ host: '127.0.0.1', port: port || 9000, storeTimeout: 6 * 3600 });
// normalizeConfig() turns port 0 into 9000; put 0 back so the OS picks a free port (no race).
server.config.port = port;

let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(code), 2000);
  timer.unref();
  try { await server.stop(); } catch (e) { /* exiting anyway */ }
  process.exit(code);
}

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
process.stdin.on('end', () => stop(0));
process.stdin.on('error', () => stop(0));
process.stdin.resume();

try {
  await server.start();
} catch (err) {
  console.error(`EMULATOR_FAILED ${err}`);
  process.exit(1);
}
const { address, port: actual } = server.server.address();
console.log(`EMULATOR_READY http://${address}:${actual}`);
