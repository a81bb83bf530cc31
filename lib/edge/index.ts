// Edge and TLS: public endpoints (Ingress for ingress-nginx and Traefik), cert-manager issuers and certificates.
export {};
