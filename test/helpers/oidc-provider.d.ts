// oidc-provider ships no type declarations; the tests use it as a black box (its wire format is what they check).
declare module 'oidc-provider';
