#!/usr/bin/env node
// A CONNACK-answering sink for the scale benchmarks: it answers every CONNECT with CONNACK (accepted),
// every PINGREQ with PINGRESP, every SUBSCRIBE with a SUBACK and drops everything else. No sessions,
// no routing: what it costs is next to nothing, so a benchmark against it measures mqleak, not a broker.
// Connections are spread over several processes (node:cluster, round-robin) so the sink holds more than
// one process's open-files limit allows.
//   node bench/connack-sink.mjs --port 0 --processes 8 [--host 127.0.0.1] [--close]
// Prints `listening on port N` once every process is ready; exits on SIGTERM or when its parent's IPC
// channel (if any) closes. `--close` closes every connection right after its CONNACK (a no-op sink for churn).
import cluster from 'node:cluster';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    processes: { type: 'string', default: '4' },
    close: { type: 'boolean', default: false },
  },
});
const processes = Number(values.processes);
const MAX_PROCESSES = 64;
if (!Number.isInteger(processes) || processes < 1 || processes > MAX_PROCESSES) {
  process.stderr.write(`connack-sink: --processes ${values.processes}: give 1 to ${MAX_PROCESSES}\n`);
  process.exit(64);
}

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** Walks the fixed headers of the packets in a chunk (enough for a sink: packets are not reassembled across chunks). */
function answer(socket, chunk) {
  let at = 0;
  while (at < chunk.length) {
    const type = chunk[at] >> 4;
    let length = 0;
    let multiplier = 1;
    let i = at + 1;
    for (; i < chunk.length; i++) {
      length += (chunk[i] & 0x7f) * multiplier;
      multiplier *= 128;
      if ((chunk[i] & 0x80) === 0) break;
    }
    const body = i + 1;
    if (type === 1) {
      socket.write(CONNACK);
      if (values.close) socket.end();
    } else if (type === 12) socket.write(PINGRESP);
    else if (type === 8 && body + 1 < chunk.length)
      socket.write(Buffer.from([0x90, 0x03, chunk[body], chunk[body + 1], 0x00]));
    at = body + length;
  }
}

if (processes === 1) {
  // One process: no cluster primary in between (it accepts every connection and hands it over IPC, which
  // would make the sink, not the generator, the limit of a churn benchmark).
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => answer(socket, chunk));
    socket.on('error', () => undefined);
  });
  server.listen({ port: Number(values.port), host: values.host, backlog: 4096 }, () => {
    process.stdout.write(`listening on port ${server.address().port} (1 processes: ${process.pid})\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
} else if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const workers = [];
  const stop = () => {
    for (const worker of workers) worker.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  cluster.on('exit', (worker, code) => {
    process.stderr.write(`connack-sink: worker ${worker.process.pid} exited (${code}); stopping\n`);
    stop();
  });
  // Every worker listens on the same address and port (0: one free port the primary picks and shares among
  // them all); settings by environment: a message could arrive before an ES module worker listens for it.
  for (let i = 0; i < processes; i++) workers.push(cluster.fork({ SINK_PORT: values.port, SINK_HOST: values.host }));
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    if (++listening === processes) {
      process.stdout.write(
        `listening on port ${address.port} (${processes} processes: ${workers.map((w) => w.process.pid).join(' ')})\n`,
      );
    }
  });
} else {
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => answer(socket, chunk));
    socket.on('error', () => undefined);
  });
  server.listen({ port: Number(process.env.SINK_PORT), host: process.env.SINK_HOST, backlog: 4096 });
  process.on('disconnect', () => process.exit(0));
}
