/**
 * `npm run test:browser`: Swagger UI driven in headless Chromium (test/*.browser-spec.ts), apart from
 * `npm test` because it needs Debian's chromium (.ci/run installs it). Same setup as the e2e project.
 */
const { projects } = require('./jest.config');

const e2e = projects.find((p) => p.displayName === 'e2e');

module.exports = { ...e2e, displayName: 'browser', testMatch: ['<rootDir>/test/**/*.browser-spec.ts'], testTimeout: 120000 };
