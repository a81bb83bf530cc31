// Edge and TLS: public endpoints (Ingress for ingress-nginx and Traefik), cert-manager issuers and certificates.
export * from './ingress-controller';
export * from './edge-policy';
export * from './waf-policy';
export * from './issuer';
export * from './cert-manager-issuer';
export * from './acme-issuer';
export * from './self-signed-issuer';
export * from './ca-issuer';
export * from './environment-issuer';
export * from './certificate';
export * from './acme-solver-access';
export * from './public-endpoint';
export {
  captureGroups,
  checkEmail,
  checkIngressHost,
  checkLiteralPath,
  checkRegexPath,
  hostSlug,
  parseGoDuration,
  regexLiteralPrefix,
} from './names';
