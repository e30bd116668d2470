import request from 'supertest';
import { EXTENSION_COLUMNS } from '../../src/addresses/extension-columns';
import { TestApp } from './test-app';

/** Helpers for the BulkUpsertExtensions end-to-end specs (contract section 4 and 5). */

export const BULK_PATH = '/rest/bulk/contact_extensions';
export const LIST_PATH = '/rest/contact_extensions';
export const ALL_COLUMNS = [...EXTENSION_COLUMNS];

/** ISO 8601 in UTC with milliseconds (contract section 3). */
export const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** POST a body as JSON (supertest serializes objects and arrays). */
export function bulk(t: TestApp, token: string, body: object): request.Test {
  return t.http.post(BULK_PATH).set('Authorization', `Bearer ${token}`).send(body);
}

/**
 * POST raw text as application/json, so that keys like `__proto__` arrive as own properties and
 * bodies that are not objects (numbers, strings, broken JSON) reach the server as sent.
 */
export function bulkRaw(t: TestApp, token: string, json: string): request.Test {
  return t.http.post(BULK_PATH).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(json);
}

export function listExtensions(t: TestApp, token: string, contactKey: string): request.Test {
  return t.http.get(LIST_PATH).query({ contact_key: contactKey }).set('Authorization', `Bearer ${token}`);
}

export interface BulkResult {
  total: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  errors: Issue[];
  warnings: Issue[];
}

export interface Issue {
  index: number;
  contact_key: string | null;
  address: string | null;
  code: string;
  field?: string;
  message: string;
}

const ISSUE_KEYS = ['index', 'contact_key', 'address', 'code', 'field', 'message'];

/** The 200 answer's invariant: every record is counted exactly once. */
export function expectCountsAddUp(body: BulkResult, total: number): void {
  expect(body.total).toBe(total);
  expect(body.inserted + body.updated + body.unchanged + body.skipped + body.failed).toBe(total);
  expect(Array.isArray(body.errors)).toBe(true);
  expect(Array.isArray(body.warnings)).toBe(true);
  expect(body.skipped).toBe(body.warnings.length);
  expect(new Set(body.errors.map((e) => e.index)).size).toBe(body.failed);
  for (const issue of [...body.errors, ...body.warnings]) {
    for (const key of Object.keys(issue)) expect(ISSUE_KEYS).toContain(key);
    expect(Number.isInteger(issue.index)).toBe(true);
    expect(issue.index).toBeGreaterThanOrEqual(0);
    expect(issue.index).toBeLessThan(total);
    expect(typeof issue.message).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
  }
}

/** (code, field) pairs, sorted, for exact comparison whatever the order of the answer. */
export function codesOf(issues: { code: string; field?: string }[]): { code: string; field?: string }[] {
  return issues
    .map((i) => (i.field === undefined ? { code: i.code } : { code: i.code, field: i.field }))
    .sort((a, b) => `${a.code}/${a.field ?? ''}`.localeCompare(`${b.code}/${b.field ?? ''}`));
}

/** The (code, field) pairs of one record's issues. */
export function issuesOf(issues: Issue[], index: number): { code: string; field?: string }[] {
  return codesOf(issues.filter((i) => i.index === index));
}
