export { KeySets, type KeySetOptions, type KeySetSource } from './key-sets.js';
export { Introspector, type IntrospectionConfig, type IntrospectionVerdict, type TokenClaims } from './introspection.js';
export { ACCEPTED_ALGORITHMS, OAuthResource, scopesOf, type OAuthResourceConfig, type RequestOrigin, type TokenVerdict } from './resource.js';
