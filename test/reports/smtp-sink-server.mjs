// A real SMTP server for the report tests, run as its own process (node test/reports/smtp-sink-server.mjs DIR):
// smtp-server on 127.0.0.1, a free port; every accepted message is written to DIR/<n>.eml with its
// envelope in DIR/<n>.json, and announced on stdout ("RECEIVED <n>"). The first SINK_FAIL_FIRST
// messages are refused with SINK_FAIL_CODE (default 421, "try again later") to exercise retries.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

const dir = process.argv[2];
if (!dir) throw new Error('usage: smtp-sink-server.mjs DIR');
const failFirst = Number(process.env.SINK_FAIL_FIRST ?? '0');
const failCode = Number(process.env.SINK_FAIL_CODE ?? '421');
let offered = 0;
let stored = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      offered++;
      if (offered <= failFirst) {
        const error = new Error(failCode >= 500 ? 'mailbox unavailable' : 'try again later');
        error.responseCode = failCode;
        process.stdout.write(`REFUSED ${offered}\n`);
        return callback(error);
      }
      const n = ++stored;
      writeFileSync(join(dir, `${n}.eml`), Buffer.concat(chunks));
      writeFileSync(
        join(dir, `${n}.json`),
        JSON.stringify({
          from: session.envelope.mailFrom && session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
        }),
      );
      process.stdout.write(`RECEIVED ${n}\n`);
      callback(null, `queued as ${n}`);
    });
  },
});

server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${server.server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
