/**
 * `subledger emulator`: starts on the port asked for, prints the URLs and the environment to point
 * a bot at it, steps the market on its own, and refuses a bad flag with one line naming it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { type EmulatorFlags, registerEmulator, runEmulator } from '../../src/cli/emulator.js';
import { waitFor } from './helpers.js';

const flags = (over: Partial<EmulatorFlags> = {}): EmulatorFlags => ({
  port: '0',
  host: '127.0.0.1',
  seed: '7',
  symbols: '2',
  stepMs: '20',
  rateLimit: '200',
  keyId: 'k',
  secretKey: 's',
  ...over,
});

describe('subledger emulator', () => {
  it('prints its URLs and environment, serves the API and steps on its own until stopped', async () => {
    const lines: string[] = [];
    await runEmulator(flags(), {
      print: (line) => lines.push(line),
      until: async (handle) => {
        const base = /export APCA_API_BASE_URL=(\S+)/.exec(lines.join('\n'))![1]!;
        assert.equal(base, handle.url);
        const clock = await fetch(`${base}/v2/clock`, {
          headers: { 'APCA-API-KEY-ID': 'k', 'APCA-API-SECRET-KEY': 's' },
        });
        assert.equal(clock.status, 200);
        await waitFor(() => handle.control.stats().step >= 2, 'automatic steps');
      },
    });
    const text = lines.join('\n');
    for (const name of [
      'APCA_API_KEY_ID=k',
      'APCA_API_SECRET_KEY=s',
      'APCA_DATA_URL=http://127.0.0.1:',
      'APCA_STREAM_URL=ws://127.0.0.1:',
    ])
      assert.ok(text.includes(name), name);
    assert.match(text, /AAPL MSFT BTC\/USD ETH\/USD/);
  });

  it('refuses a bad flag, naming it', async () => {
    await assert.rejects(runEmulator(flags({ stepMs: 'fast' })), {
      message: '--step-ms must be a whole number from 10 to 3600000, got "fast"',
    });
  });

  it('registers the command with its options', () => {
    const program = new Command();
    registerEmulator(program);
    const command = program.commands.find((c) => c.name() === 'emulator')!;
    assert.deepEqual(
      command.options.map((o) => o.long),
      [
        '--port',
        '--host',
        '--seed',
        '--symbols',
        '--step-ms',
        '--rate-limit',
        '--key-id',
        '--secret-key',
        '--text-frames',
      ],
    );
  });
});
