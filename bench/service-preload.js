/**
 * Preloaded into the service under benchmark (`node -r ./bench/service-preload.js dist/main.js`).
 * Counts the SQL statements the service sends, tells its memory by V8 heap space and, on request,
 * keeps the timeline of its bulk requests (request-timeline.js) and runs the V8 CPU profiler and
 * allocation sampler, all driven over the IPC channel that the
 * benchmark opens. Without that channel it does nothing, so the service under test runs its own
 * code unchanged; the counter costs one increment per query.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const inspector = require('node:inspector');
const v8 = require('node:v8');
const { countQueries } = require('./query-counter');
const { installTimeline } = require('./request-timeline');

if (typeof process.send === 'function') {
  const queries = countQueries();
  const timeline = installTimeline();
  let session;
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));

  const handlers = {
    async queries() {
      return queries();
    },
    async timelineStart() {
      timeline.start();
    },
    async timelineStop() {
      return timeline.stop();
    },
    /** where the resident memory is: the process's figures and V8's heap spaces, in bytes */
    async memory() {
      const spaces = {};
      for (const s of v8.getHeapSpaceStatistics()) spaces[s.space_name] = s.physical_space_size;
      return { ...process.memoryUsage(), spaces };
    },
    async profileStart() {
      session = new inspector.Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      await post('HeapProfiler.enable');
      // allocations sampled (one per 16 kB on average), the collected ones too: what the
      // service allocates per request, not only what it keeps
      await post('HeapProfiler.startSampling', {
        samplingInterval: 16384,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    async profileStop({ file }) {
      const { profile } = await post('Profiler.stop');
      const { profile: allocations } = await post('HeapProfiler.stopSampling');
      session.disconnect();
      session = undefined;
      writeFileSync(file, JSON.stringify(profile));
      // beside the CPU profile; Chrome DevTools' Memory tab opens it
      writeFileSync(file.replace(/\.cpuprofile$/, '.heapprofile'), JSON.stringify(allocations));
      return file;
    },
  };

  process.on('message', (message) => {
    const handler = handlers[message && message.type];
    if (!handler) return;
    handler(message).then(
      (value) => process.send({ id: message.id, value }),
      (err) => process.send({ id: message.id, error: String(err && err.stack ? err.stack : err) }),
    );
  });
  // the channel must not keep the service alive once it is asked to stop
  process.channel.unref();
}
