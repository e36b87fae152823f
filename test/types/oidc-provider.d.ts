// oidc-provider ships no types (and @types/oidc-provider is not installed): the tests use the few members below.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** A grant of scopes to a client (the consent's outcome). */
  interface ProviderGrant {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  /** A certified OpenID Provider (https://github.com/panva/node-oidc-provider). */
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ prompt: unknown; grantId?: string; session?: { accountId: string }; params: Record<string, unknown> }>;
    readonly Grant: {
      new (init: { accountId: string; clientId: string }): ProviderGrant;
      find(id: string): Promise<ProviderGrant>;
    };
    on(event: string, listener: (...args: never[]) => void): this;
  }
}
