// oidc-provider ships no type declarations; the tests use it through this untyped door.
declare module "oidc-provider";
