/**
 * Counts SQL statements at the one place every statement of TypeORM's postgres driver passes:
 * node-postgres' Client#query (the embedded database's adapter uses the same Client). Shared by the
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
      count++;
      return original.apply(this, args);
    };
    Object.defineProperty(proto, '__benchQueryCount', { value: () => count });
  }
  return proto.__benchQueryCount;
}

module.exports = { countQueries };
