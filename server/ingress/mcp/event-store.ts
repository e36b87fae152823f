import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SessionStore } from './session-store.js';

/**
 * The SDK's resumability hook for one session, backed by the session store's bounded buffer. Lookups are
 * scoped to the session, so a `Last-Event-ID` from another session never replays anything.
 */
export function sessionEventStore(store: SessionStore, sessionId: string): EventStore {
  return {
    storeEvent(streamId: string, message: JSONRPCMessage) {
      return store.appendEvent(sessionId, streamId, message);
    },
    getStreamIdForEventId(eventId: string) {
      return store.streamOfEvent(sessionId, eventId);
    },
    async replayEventsAfter(lastEventId, { send }) {
      const stream = await store.streamOfEvent(sessionId, lastEventId);
      for (const event of await store.eventsAfter(sessionId, lastEventId)) {
        // The SDK stores an empty priming event per stream (2025-11-25); there is nothing to replay in it.
        if (!('jsonrpc' in event.message)) continue;
        await send(event.id, event.message);
      }
      return stream ?? '';
    },
  };
}
