import type { ClientProtocol, ListedModel } from './types.js';

/** `GET /v1/models` in the caller's shape: OpenAI's list object, or Anthropic's paged list. */
export function listModels(models: readonly ListedModel[], protocol: ClientProtocol): unknown {
  if (protocol === 'anthropic') {
    const data = models.map((m) => ({ type: 'model', id: m.id, display_name: m.id, created_at: '1970-01-01T00:00:00Z' }));
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }
  return { object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.ownedBy })) };
}
