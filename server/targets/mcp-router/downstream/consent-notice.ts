import type { ConsentSubject } from '../../../auth/vault/index.js';
import { consentGiven, elicitationComplete, ELICITATION_COMPLETE, reconnectWaiting } from '../consent.js';
import type { LiveSession, McpRouter } from '../router.js';
import { STANDALONE_STREAM, type SessionSignal, type SessionStore } from './session-store.js';

/**
 * Tells the session that asked for a consent that it was given, wherever it is held. Held here: as if the session
 * said it itself (its transport stores the event, and other holders hear of it). Held only by other replicas (the
 * browser and the authorization server's redirect reached this one): the notice is appended to the session's
 * event log in the shared store, on its standalone stream, which the replicas holding its streams write out
 * (holdSession) and which reconnects their member links waiting for the consent.
 */
export async function tellConsent(subject: ConsentSubject, holding: { readonly router: McpRouter; readonly store: SessionStore }): Promise<void> {
  if (subject.session === undefined) return;
  const live = holding.router.get(subject.session);
  if (live) return consentGiven(live.session, subject);
  if (!holding.store.outlivesProcess || !subject.notify) return;
  await holding.store.appendEvent(subject.session, STANDALONE_STREAM, elicitationComplete(subject.elicitationId));
}

/** Another holder stored that the session's user consented: its member links waiting for it reconnect here too. */
export function consentHeardOf(live: LiveSession, signal: SessionSignal): void {
  if (signal.type === 'event' && (signal.event.message as { method?: unknown }).method === ELICITATION_COMPLETE) reconnectWaiting(live.session);
}
