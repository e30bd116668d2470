/**
 * Counts SQL statements at the one place every statement of TypeORM's postgres driver passes:
 * node-postgres' Client#query (the embedded database's adapter uses the same Client), except on the
 * connections of the job queue (pg-boss names them by application_name). Shared by the
 * benchmark process (the floor) and the service under test (through service-preload.js).
 */
'use strict';

/** Installs the counter once per process; returns a function that reads it. */
function countQueries() {
  const proto = require('pg').Client.prototype;
  if (!proto.__benchQueryCount) {
    const original = proto.query;
    let count = 0;
    proto.query = function countedQuery(...args) {
      // the job queue's own pool (pg-boss: polls and upkeep, running while no job does) is not a request's work
      if (this.connectionParameters?.application_name !== 'pgboss') count++;
      return original.apply(this, args);
    };
    Object.defineProperty(proto, '__benchQueryCount', { value: () => count });
  }
  return proto.__benchQueryCount;
}

module.exports = { countQueries };
