/**
 * The OpenAPI text of ImportJobsController's routes: one decorator per operation, named after its
 * operationId. Decorators that also act (access, retries) document themselves and stay on the
 * controller.
 */
import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import {
  ApiDatabaseUnavailableResponse,
  ApiInvalidRequestResponse,
  ApiPayloadTooLargeErrorResponse,
  errorExample,
} from '../common/decorators/api-error-responses.decorator';
import { ErrorResponseDto, InvalidRequestResponseDto } from '../common/errors/error-response.dto';
import { BulkUpsertContactExtensionsDto } from '../contact-extensions/dto/bulk-upsert-contact-extensions.dto';
import type { OwnConflict } from '../idempotency/idempotent.decorator';
import { CreateImportJobDto, ImportJobDto, ImportJobIssuePageDto, ImportJobListDto } from './dto/import-job.dto';

const JOB_ID = { name: 'id', description: 'The job id (a UUID).', example: '7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90' };

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'NOT_FOUND: no import job with this id in your brand.',
  example: errorExample('NOT_FOUND', 'No import job with this id.'),
};

export const stateConflict = (what: string): OwnConflict => ({
  description: `JOB_STATE_CONFLICT: the job's state does not allow it to be ${what} (the message names the state).`,
  example: errorExample('JOB_STATE_CONFLICT', `The job is completed; it cannot be ${what}.`) as OwnConflict['example'],
});

const INVALID_QUERY_EXAMPLES = {
  limit: { summary: 'limit out of range', details: ['limit must be at most 500'] },
  cursor: {
    summary: 'A cursor that is not ours',
    details: ['cursor is not valid'],
    message: 'cursor is not valid; pass back the next_cursor of the previous page',
  },
};

const CSV_EXAMPLE = [
  'contact_key,address,channel,name,permission',
  'demo-contact-1,Jane.Doe@Example.com,E,Work Email,true',
  'demo-contact-1,+90 535 123 45 67,S,Mobile,false',
].join('\n');
const NDJSON_EXAMPLE = [
  '{"contact_key":"demo-contact-1","address":"Jane.Doe@Example.com","channel":"E","name":"Work Email","permission":true}',
  '{"contact_key":"demo-contact-1","address":"+90 535 123 45 67","channel":"S","name":"Mobile","permission":false}',
].join('\n');

const JOB_EXAMPLE = {
  id: '7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90',
  state: 'open',
  columns: ['contact_key', 'address', 'channel', 'name', 'permission'],
  insertIfNotExists: true,
  validateOnly: false,
  format: null,
  total: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  skipped: 0,
  failed: 0,
  processed: 0,
  percent: 0,
  records_per_second: 0,
  seconds_left: null,
  cancel_requested: false,
  message: null,
  upload_url: '/rest/bulk/contact_extensions/jobs/7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90/data',
  errors_url: '/rest/bulk/contact_extensions/jobs/7d5b7a8e-5f43-4a55-9a7e-3c1f1c6d2b90/errors',
  created_at: '2026-11-26T13:35:09.123Z',
  queued_at: null,
  started_at: null,
  finished_at: null,
};

export function ApiCreateImportJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'CreateImportJob',
      summary: 'Create a bulk import job',
      description: [
        'Creates a job in state `open`; then PUT its records to `upload_url`. The finished upload queues the job: there is no separate close step.',
        'The records are judged by the rules of BulkUpsertExtensions, the whole file as one request for grouping (the last record of a contact_key and address wins, across the file), ' +
          'always as throwOnError false. Renames behave as if the file were sent as consecutive sync requests in record order.',
        'A retry with the same Idempotency-Key gives the same job. Needs the permission `ContactExtensions.Manage`.',
      ].join('\n\n'),
    }),
    ApiBody({
      type: CreateImportJobDto,
      examples: { upsert: { summary: 'Insert or update', value: { columns: JOB_EXAMPLE.columns, insertIfNotExists: true } } },
    }),
    ApiCreatedResponse({ type: ImportJobDto, description: 'The job, open for its upload.', example: JOB_EXAMPLE }),
    ApiInvalidRequestResponse('the body is not valid, or a column is not enabled for your brand.', {
      columns: { summary: 'contact_key missing from columns', details: ['columns must contain contact_key'] },
    }),
    ApiPayloadTooLargeErrorResponse(),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiUploadImportJobData(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'UploadImportJobData',
      summary: "Upload a job's records (CSV or NDJSON, gzip allowed)",
      description: [
        '`text/csv`: the first row names the columns (those of the job, plus new_contact_key and new_address); each further row is a record. ' +
          'An empty field is not given; permission is `true` or `false`. Quoted fields may span lines, their line breaks kept as sent; CRLF and LF both end a line; a BOM is skipped.',
        '`application/x-ndjson`: one JSON record object a line.',
        'Either may be sent with `Content-Encoding: gzip`. The body is streamed into the database, never held whole in memory. ' +
          'When it has all arrived the job is queued (202) and a worker takes it.',
        'A row or line that cannot be read (too many or too few fields, a quote left open, invalid JSON, bytes that are not UTF-8) is an UNREADABLE_RECORD error of that record, not of the upload. ' +
          'Only a header that cannot be read or names an unknown column refuses the upload (400). ' +
          'JOB_MAX_BYTES (decompressed) and JOB_MAX_RECORDS bound an upload (413).',
        'An Idempotency-Key makes a retried upload of the same bytes answer as the first did; other bytes with the same key: 422. Needs the permission `ContactExtensions.Manage`.',
      ].join('\n\n'),
    }),
    ApiParam(JOB_ID),
    ApiConsumes('text/csv', 'application/x-ndjson'),
    ApiHeader({
      name: 'Content-Encoding',
      required: false,
      description: '`gzip` when the body is gzip-compressed.',
      schema: { type: 'string', enum: ['gzip', 'identity'] },
    }),
    ApiBody({
      description: `The records, streamed. CSV:\n\n\`\`\`\n${CSV_EXAMPLE}\n\`\`\`\n\nNDJSON:\n\n\`\`\`\n${NDJSON_EXAMPLE}\n\`\`\``,
      schema: { type: 'string', format: 'binary' },
    }),
    ApiAcceptedResponse({
      type: ImportJobDto,
      description: 'Uploaded: the job is queued.',
      example: { ...JOB_EXAMPLE, state: 'queued', format: 'csv', total: 2 },
    }),
    ApiBadRequestResponse({
      type: InvalidRequestResponseDto,
      description:
        'INVALID_REQUEST: the CSV header cannot be read or names an unknown column, the body is not valid gzip, or the upload was cut off. Nothing is kept; the job stays open.',
      example: errorExample('INVALID_REQUEST', 'the CSV header is not valid: column "email" is not a property of a contact extension', {
        details: ['column "email" is not a property of a contact extension'],
      }),
    }),
    ApiNotFoundResponse(NOT_FOUND),
    ApiPayloadTooLargeResponse({
      type: ErrorResponseDto,
      description:
        'PAYLOAD_TOO_LARGE: the upload is over JOB_MAX_BYTES once decompressed, holds more than JOB_MAX_RECORDS records, or has a line over 1 MiB. Nothing is kept; the job stays open.',
      example: errorExample('PAYLOAD_TOO_LARGE', 'The upload is larger than 2147483648 bytes once decompressed.'),
    }),
    ApiUnsupportedMediaTypeResponse({
      type: ErrorResponseDto,
      description:
        'UNSUPPORTED_MEDIA_TYPE: the body is not text/csv or application/x-ndjson, its charset is not UTF-8, or its Content-Encoding is not gzip.',
      example: errorExample('UNSUPPORTED_MEDIA_TYPE', 'Send the records as text/csv or application/x-ndjson.'),
    }),
    ApiDatabaseUnavailableResponse({
      when: 'the instance is taking JOB_UPLOAD_CONCURRENCY uploads (default 4) already; the job stays open',
      message: 'This instance is taking 4 uploads already, as many as it takes at once; retry later (Retry-After).',
    }),
  );
}

export function ApiBulkUpsertExtensionsAsync(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'BulkUpsertExtensionsAsync',
      summary: 'Run a BulkUpsertExtensions body as an import job',
      description:
        'Takes exactly the body of BulkUpsertExtensions and answers 202 with a queued job; poll it for the outcome. The request-level rules are checked at once (400). ' +
        'As every job, it runs as throwOnError false (the field is accepted and ignored); validateOnly writes nothing but the report. Needs the permission `ContactExtensions.Manage`.',
    }),
    ApiBody({ type: BulkUpsertContactExtensionsDto }),
    ApiAcceptedResponse({
      type: ImportJobDto,
      description: 'The queued job.',
      example: { ...JOB_EXAMPLE, state: 'queued', format: 'json', total: 2 },
    }),
    ApiInvalidRequestResponse('the body is not a valid BulkUpsertExtensions body (nothing queued).', {
      columns: { summary: 'contact_key missing from columns', details: ['columns must contain contact_key'] },
    }),
    ApiPayloadTooLargeErrorResponse(),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiListImportJobs(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListImportJobs',
      summary: "List your brand's import jobs",
      description: 'Newest first, keyset-paginated: pass next_cursor back as cursor. Needs the permission `ContactExtensions.Read`.',
    }),
    ApiOkResponse({ type: ImportJobListDto, example: { items: [JOB_EXAMPLE], next_cursor: null } }),
    ApiInvalidRequestResponse('an unknown or malformed query parameter, or a cursor that is not one of ours.', INVALID_QUERY_EXAMPLES),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiGetImportJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'GetImportJob',
      summary: 'Show an import job',
      description:
        'State, the counts of BulkUpsertExtensions, records processed out of total, percent, records per second, an estimate of the time left, and timestamps. ' +
        'Needs the permission `ContactExtensions.Read`.',
    }),
    ApiParam(JOB_ID),
    ApiOkResponse({ type: ImportJobDto, example: JOB_EXAMPLE }),
    ApiNotFoundResponse(NOT_FOUND),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiListImportJobErrors(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'ListImportJobErrors',
      summary: "Page through a job's errors and warnings",
      description:
        "In record order: each entry has the record's 0-based index in the upload, its line in the file, severity (error or warning), code, field, message, and the values as sent. " +
        'Keyset-paginated: pass next_cursor back as cursor. Needs the permission `ContactExtensions.Read`.',
    }),
    ApiParam(JOB_ID),
    ApiOkResponse({
      type: ImportJobIssuePageDto,
      example: {
        items: [
          {
            index: 41,
            line: 43,
            severity: 'error',
            code: 'INVALID_ADDRESS',
            field: 'address',
            message: 'address is not a valid email address',
            values: { contact_key: 'c1', address: 'a@b', channel: 'E' },
            raw: null,
          },
        ],
        next_cursor: null,
      },
    }),
    ApiInvalidRequestResponse('an unknown or malformed query parameter, or a cursor that is not one of ours.', INVALID_QUERY_EXAMPLES),
    ApiNotFoundResponse(NOT_FOUND),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiDownloadImportJobErrors(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'DownloadImportJobErrors',
      summary: "Download a job's errors and warnings as CSV",
      description:
        'The same entries as the paged list, streamed as CSV: index, line, severity, code, field, message, contact_key, address, values (the record as JSON) and raw. ' +
        'Needs the permission `ContactExtensions.Read`.',
    }),
    ApiParam(JOB_ID),
    ApiOkResponse({
      description: 'The report, streamed.',
      content: {
        'text/csv': {
          schema: { type: 'string' },
          example:
            'index,line,severity,code,field,message,contact_key,address,values,raw\n' +
            '41,43,error,INVALID_ADDRESS,address,address is not a valid email address,c1,a@b,"{""contact_key"":""c1"",""address"":""a@b""}",\n',
        },
      },
    }),
    ApiNotFoundResponse(NOT_FOUND),
    ApiDatabaseUnavailableResponse(),
  );
}

export function ApiCancelImportJob(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      operationId: 'CancelImportJob',
      summary: 'Cancel an import job',
      description:
        'An open or queued job is cancelled at once. A processing job stops at its next chunk boundary: what was committed stays, and the job says how far it got (processed). ' +
        'A finished job: 409 JOB_STATE_CONFLICT. Needs the permission `ContactExtensions.Manage`.',
    }),
    ApiParam(JOB_ID),
    ApiOkResponse({
      type: ImportJobDto,
      description: 'The job, cancelled or asked to stop (cancel_requested).',
      example: { ...JOB_EXAMPLE, state: 'cancelled', cancel_requested: true },
    }),
    ApiNotFoundResponse(NOT_FOUND),
    ApiDatabaseUnavailableResponse(),
  );
}
