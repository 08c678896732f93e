import { createCampaignSchema } from '../campaigns/types.js';
import { dncBody } from '../campaigns/routes.js';
import { auditQuery, newUser, rangeQuery, unansweredQuery } from '../console/api.js';
import { parseBody } from '../engines/nlu/routes.js';
import { idParam as audioIdParam } from '../engines/tts/routes.js';
import { kpiQuery as queueKpiQuery, newAgent } from '../handoff/queue-routes.js';
import { idParam as faqIdParam, modeQuery, versionParam } from '../knowledge/routes.js';
import { faqInputSchema } from '../knowledge/validate.js';
import { z } from 'zod';
import type { ApiOperation } from './openapi.js';
import { correctionsQuery, promoteBody } from './routes/asr.js';
import { callIdSchema, listQuery, seqSchema, transcriptBody } from './routes/calls.js';
import { kpiReportQuery } from './routes/kpis.js';

/**
 * Every route under /api, with the schemas its module validates with. A route added without an
 * entry here fails test/openapi_describes_every_api_route.test.ts.
 */
const callParams = { id: callIdSchema, seq: seqSchema };
const audioTypes = ['audio/wav', 'audio/mpeg'];

export const apiOperations: ApiOperation[] = [
  { method: 'get', path: '/api/openapi.json', tag: 'meta', summary: 'This description of the admin API (OpenAPI 3.1)' },

  // Calls (src/http/routes/calls.ts)
  { method: 'get', path: '/api/calls', tag: 'calls', summary: 'Calls, newest first, filtered and paged (nextCursor)', query: listQuery },
  { method: 'get', path: '/api/calls/:id', tag: 'calls', summary: 'One call with its turns, events and timings', params: callParams, errors: { 404: 'No such call' } },
  { method: 'get', path: '/api/calls/:id/turns/:seq/audio', tag: 'calls', summary: "The caller's audio of one turn (WAV), when recordings are on", params: callParams, produces: 'audio/wav', errors: { 404: 'No audio kept for this turn' } },
  { method: 'get', path: '/api/calls/:id/recording', tag: 'calls', summary: "The whole call's recording (WAV)", params: callParams, produces: 'audio/wav', errors: { 404: 'No recording' } },
  { method: 'delete', path: '/api/calls/:id/recording', tag: 'calls', summary: "Delete a call's recorded audio (the records stay)", params: callParams, errors: { 404: 'No recording' } },
  { method: 'put', path: '/api/calls/:id/turns/:seq/transcript', tag: 'calls', summary: 'Correct what the caller said in a turn (training data for the recogniser)', params: callParams, body: transcriptBody, errors: { 404: 'No such turn' } },
  { method: 'delete', path: '/api/calls/:id/turns/:seq/transcript', tag: 'calls', summary: "Withdraw a turn's correction", params: callParams, errors: { 404: 'No such turn' } },

  // Recogniser (src/http/routes/asr.ts)
  { method: 'get', path: '/api/asr/corrections', tag: 'asr', summary: 'Corrected speech turns, oldest correction first (what asr:export reads)', query: correctionsQuery },
  { method: 'get', path: '/api/asr/models', tag: 'asr', summary: 'The live recognition model and the one before it' },
  { method: 'post', path: '/api/asr/models', tag: 'asr', summary: 'Score a candidate model on held-out corrected turns and make it live if its CER is lower', body: promoteBody, errors: { 409: 'Another promotion is running, or no held-out turns', 501: 'Not available on this instance' } },
  { method: 'post', path: '/api/asr/models/rollback', tag: 'asr', summary: 'Make the previous model live again', errors: { 409: 'No previous model', 501: 'Not available on this instance' } },

  // FAQ (src/knowledge/routes.ts)
  { method: 'post', path: '/api/faqs/import', tag: 'faqs', summary: 'Import FAQs from a JSON or CSV file: all rows valid or nothing changes', query: z.object({ mode: modeQuery }), upload: ['application/json', 'text/csv'], errors: { 413: 'The file is too large', 422: 'Rows with problems (the per-row report is in details); nothing imported' } },
  { method: 'get', path: '/api/faqs/quality', tag: 'faqs', summary: "What the NLU fitted to the live FAQ expects: answer rate, confusable pairs, FAQs needing phrasings", errors: { 404: 'No quality report' } },
  { method: 'get', path: '/api/faqs', tag: 'faqs', summary: 'The live FAQs and their version' },
  { method: 'get', path: '/api/faqs/versions', tag: 'faqs', summary: 'Every knowledge-base version, newest first' },
  { method: 'post', path: '/api/faqs/versions/:v/rollback', tag: 'faqs', summary: 'Make version v live again (as a new version)', params: { v: versionParam }, errors: { 404: 'No such version' } },
  { method: 'get', path: '/api/faqs/:id', tag: 'faqs', summary: 'One FAQ', params: { id: faqIdParam }, errors: { 404: 'No such FAQ' } },
  { method: 'put', path: '/api/faqs/:id', tag: 'faqs', summary: 'Create or replace one FAQ (201 when created)', params: { id: faqIdParam }, body: faqInputSchema, errors: { 422: 'The FAQ has problems; nothing changed' } },
  { method: 'delete', path: '/api/faqs/:id', tag: 'faqs', summary: 'Delete one FAQ', params: { id: faqIdParam }, errors: { 404: 'No such FAQ' } },

  // Understanding (src/engines/nlu/routes.ts)
  { method: 'post', path: '/api/nlu/parse', tag: 'nlu', summary: 'What the bot understands from a sentence (intent null when rejected)', body: parseBody },

  // KPIs (src/http/routes/kpis.ts)
  { method: 'get', path: '/api/kpis', tag: 'kpis', summary: 'Containment, hand-offs, latency, repeat callers and the queue over a date range', query: kpiReportQuery },

  // Hand-off queue (src/handoff/queue-routes.ts)
  { method: 'get', path: '/api/queue', tag: 'queue', summary: 'Queues, waiting callers and agents, live' },
  { method: 'get', path: '/api/queue/agents', tag: 'queue', summary: 'Agents and their presence' },
  { method: 'get', path: '/api/queue/kpis', tag: 'queue', summary: 'Queue KPIs: speed of answer, abandon rate, service level', query: queueKpiQuery },
  { method: 'get', path: '/api/agents', tag: 'queue', summary: 'Agents' },
  { method: 'post', path: '/api/agents', tag: 'queue', summary: 'Create or update an agent (id, name, PIN, skills, extension)', body: newAgent },
  { method: 'delete', path: '/api/agents/:id', tag: 'queue', summary: 'Remove an agent', errors: { 404: 'No such agent' } },

  // Campaigns (src/campaigns/routes.ts)
  { method: 'post', path: '/api/campaigns', tag: 'campaigns', summary: 'Create a notification or survey campaign (a draft)', body: createCampaignSchema, success: 201 },
  { method: 'get', path: '/api/campaigns', tag: 'campaigns', summary: 'Campaigns with their progress' },
  { method: 'get', path: '/api/campaigns/:id', tag: 'campaigns', summary: 'One campaign with its progress', errors: { 404: 'No such campaign' } },
  { method: 'post', path: '/api/campaigns/:id/contacts', tag: 'campaigns', summary: 'Upload contacts (CSV as Excel saves it, or JSON {contacts: [...]})', upload: ['text/csv', 'application/json'], errors: { 404: 'No such campaign', 413: 'The file is too large' } },
  ...(['start', 'pause', 'resume', 'cancel'] as const).map(
    (action): ApiOperation => ({ method: 'post', path: `/api/campaigns/:id/${action}`, tag: 'campaigns', summary: `${action[0].toUpperCase()}${action.slice(1)} the campaign`, errors: { 404: 'No such campaign', 409: 'Not possible in its present state' } }),
  ),
  { method: 'get', path: '/api/campaigns/:id/results', tag: 'campaigns', summary: 'Outcome of every contact (?format=csv: UTF-8 CSV with BOM for Excel)', query: z.object({ format: z.enum(['json', 'csv']).optional() }), errors: { 404: 'No such campaign' } },
  { method: 'get', path: '/api/dnc', tag: 'campaigns', summary: 'The do-not-call list (?phone= to look one number up)', query: z.object({ phone: z.string().optional() }) },
  { method: 'post', path: '/api/dnc', tag: 'campaigns', summary: 'Add numbers to the do-not-call list', body: dncBody },
  { method: 'delete', path: '/api/dnc/:phone', tag: 'campaigns', summary: 'Take a number off the do-not-call list', errors: { 404: 'Not listed' } },

  // Recorded audio for answers and prompts (src/engines/tts/routes.ts)
  ...(
    [
      ['answers', 'faqId', "an FAQ's answer"],
      ['prompts', 'key', 'a fixed prompt'],
    ] as const
  ).flatMap(([kind, param, what]): ApiOperation[] => [
    { method: 'put', path: `/api/${kind}/:${param}/audio`, tag: 'audio', summary: `Upload a recording of ${what}; it is played instead of synthesis`, params: { [param]: audioIdParam }, upload: audioTypes, success: 201, errors: { 404: 'No such FAQ or prompt', 413: 'The upload is too large', 415: 'Not audio this service reads', 422: 'The audio is unusable (too short, too long, silent, clipped)' } },
    { method: 'get', path: `/api/${kind}/:${param}/audio`, tag: 'audio', summary: `The recording of ${what} (WAV)`, params: { [param]: audioIdParam }, produces: 'audio/wav', errors: { 404: 'No recording' } },
    { method: 'delete', path: `/api/${kind}/:${param}/audio`, tag: 'audio', summary: `Delete the recording of ${what} (synthesis is used again)`, params: { [param]: audioIdParam }, success: 204, errors: { 404: 'No recording' } },
  ]),

  // Console users, audit log and the console's own figures (src/console/api.ts)
  { method: 'get', path: '/api/users', tag: 'console', summary: 'Console users and their roles' },
  { method: 'post', path: '/api/users', tag: 'console', summary: "Create a console user, or replace one's password and role", body: newUser },
  { method: 'delete', path: '/api/users/:username', tag: 'console', summary: 'Remove a console user (their sessions end)', errors: { 404: 'No such user' } },
  { method: 'get', path: '/api/audit', tag: 'console', summary: 'Who changed what, when', query: auditQuery },
  { method: 'get', path: '/api/console/hourly', tag: 'console', summary: 'Calls per hour of one day in the service time zone', query: z.object({ day: z.iso.date().optional() }) },
  { method: 'get', path: '/api/console/unanswered', tag: 'console', summary: 'Questions the bot did not answer, grouped', query: unansweredQuery },
  { method: 'get', path: '/api/console/keypad', tag: 'console', summary: 'Keys pressed on the way to an answer through the keypad menu', query: rangeQuery },
  { method: 'get', path: '/api/console/faq-versions/:v', tag: 'console', summary: 'The FAQs of an old version (for diffs)', params: { v: versionParam }, errors: { 404: 'No such version' } },
];
