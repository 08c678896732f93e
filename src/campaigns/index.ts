import { Hono } from 'hono';
import { createCampaignRoutes, createDncRoutes, createTwilioWebhookRoutes } from './routes.js';
import { CampaignService, type CampaignServiceOptions } from './service.js';

export { CampaignService } from './service.js';
export { askCsat } from './csat.js';
export { ATTEMPT_PARAM } from './dialers/types.js';

/** Everything the composition root mounts for outbound campaigns. */
export function createCampaigns(options: CampaignServiceOptions): {
  service: CampaignService;
  /** `/api/campaigns` */
  routes: Hono;
  /** `/api/dnc` */
  dnc: Hono;
  /** `/webhooks/twilio` (public: Twilio's signature is checked instead) */
  webhooks: Hono;
} {
  const service = new CampaignService(options);
  return { service, routes: createCampaignRoutes(service), dnc: createDncRoutes(service), webhooks: createTwilioWebhookRoutes(service) };
}
