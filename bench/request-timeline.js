/**
 * The service's own timeline of its bulk requests, taken inside the service under benchmark
 * (installed by service-preload.js, switched on and read over its IPC channel): for each
 * POST /rest/bulk/contact_extensions, when the request came in, when each SQL statement was sent
 * and answered (node-postgres' Client#query, as the statement counter sees them; not the job
 * queue's), and when the answer was written. With one request at a time, every statement between a
 * request's arrival and its answer is that request's. Off, it costs one boolean test per request.
 */
'use strict';
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const BULK_PATH = '/rest/bulk/contact_extensions';

/** A statement's first words, enough to tell the service's statements apart. */
function labelOf(text) {
  return String(text).replace(/\s+/g, ' ').trim().slice(0, 40);
}

function installTimeline() {
  let on = false;
  let current;
  let done = [];

  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function timedEmit(event, req, res) {
    if (on && event === 'request' && req.method === 'POST' && req.url.split('?')[0] === BULK_PATH) {
      const request = { arrived: performance.now(), statements: [] };
      current = request;
      res.once('finish', () => {
        request.answered = performance.now();
        if (current === request) current = undefined;
        done.push(request);
      });
    }
    return emit.apply(this, arguments);
  };

  const proto = require('pg').Client.prototype;
  const query = proto.query;
  proto.query = function timedQuery(config) {
    const request = on && this.connectionParameters?.application_name !== 'pgboss' ? current : undefined;
    const result = query.apply(this, arguments);
    if (request && result && typeof result.then === 'function') {
      const statement = { label: labelOf(typeof config === 'string' ? config : config?.text), sent: performance.now() };
      request.statements.push(statement);
      const answered = () => (statement.answered = performance.now());
      result.then(answered, answered);
    }
    return result;
  };

  return {
    start() {
      done = [];
      on = true;
    },
    /** the requests answered since start: each statement's label, the time before it (node) and its own (db), ms */
    stop() {
      on = false;
      const requests = done.map((r) => {
        let last = r.arrived;
        const statements = r.statements.map((s) => {
          const step = { label: s.label, node: s.sent - last, db: (s.answered ?? s.sent) - s.sent };
          last = s.answered ?? s.sent;
          return step;
        });
        return { total: r.answered - r.arrived, statements, after: r.answered - last };
      });
      done = [];
      return requests;
    },
  };
}

module.exports = { installTimeline };
