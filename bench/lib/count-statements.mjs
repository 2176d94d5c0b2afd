// Preloaded into the benchmarked server (node --import): counts the statements its PostgreSQL clients
// send and stamps `<pid>:<running total>` on every HTTP response (x-bench-statements), so a benchmark can tell
// statements per request from the first and the last answer of each web worker process in a phase.
// A plain counter: no per-request bookkeeping, so it does not change the figures it sits beside.
import http from 'node:http';
import pg from 'pg';

let sent = 0;
// BENCH_LOG_STATEMENTS=1: also prints each statement (its first 160 characters) to stderr
const echo = process.env.BENCH_LOG_STATEMENTS === '1';
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  sent++;
  if (echo) {
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    process.stderr.write(`[statement ${process.pid}] ${String(text).replace(/\s+/g, ' ').slice(0, 160)}\n`);
  }
  return query.apply(this, args);
};
const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function stampedWriteHead(...args) {
  if (!this.headersSent) this.setHeader('x-bench-statements', `${process.pid}:${sent}`);
  return writeHead.apply(this, args);
};
