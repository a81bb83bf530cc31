/**
 * What renders a PublicEndpoint on one edge, as an object the endpoint binds to (the way an
 * RDS instance binds its engine, and a data store its engine in data/store-engine.ts): the
 * endpoint resolves its routes once (route-resolution.ts) and never asks which edge serves it;
 * everything that differs per edge — the objects, what the cluster must run, how regex paths
 * are carried, the edge's own checks, the pods that reach the backends, how metrics paths are
 * refused — is behind this interface. One implementation per edge: ingress-nginx
 * (nginx-renderer.ts), Traefik's Ingress provider (traefik-renderer.ts) and the Gateway API
 * (gateway-renderer.ts).
 */
import type { Construct } from 'constructs';
import type { EdgeProfile, GatewayImplementation } from '../core/platform';
import type { SystemChart } from '../core/system-chart';
import type { ValidationReport } from '../core/validation';
import type { NetworkPeer } from '../security/network-peer';
import type { EdgeController } from './ingress-controller';
import type { MetricsExposure } from './metrics-exposure';
import type { RegexPaths, ResolvedEndpoint, ResolvedRoute } from './route-resolution';

/** The endpoint as its renderer sees it while binding and checking. */
export interface EdgeEndpoint {
  /** The endpoint construct: the renderer's objects are its children. */
  readonly scope: Construct;
  /** The endpoint's name (its id), which names its objects. */
  readonly name: string;
  readonly chart: SystemChart;
  readonly resolved: ResolvedEndpoint;
  /** Accept an issuer that does not fit the environment. */
  readonly allowEnvironmentMismatch?: boolean;
  /** The Secret holding the certificate of `host`. */
  tlsSecretName(host: string): string;
}

/** What binding rendered, for the endpoint's public fields. */
export interface EdgeOutput {
  /** Names of the Ingress objects (empty on the Gateway API). */
  readonly ingressNames: readonly string[];
  /** Names of the HTTPRoutes and GRPCRoutes (empty on Ingress controllers). */
  readonly routeNames: readonly string[];
}

/** One edge: how an endpoint is rendered and checked there. */
export interface IEdgeRenderer {
  readonly controller: EdgeController;
  /** The Gateway API implementation, on the Gateway API. */
  readonly gatewayImplementation?: GatewayImplementation;
  /** The IngressClass of the Ingress objects; undefined on the Gateway API. */
  readonly ingressClassName?: string;
  /** How the edge carries a regex path (decides the resolved routes' Ingress paths). */
  readonly regexPaths: RegexPaths;
  /** How the edge's objects are named in messages (`Ingress`, `HTTPRoute of this library`). */
  readonly objectKind: string;
  /** The profile field that describes the edge, its pods' field and what the pods are, for messages. */
  readonly profile: { readonly field: string; readonly podsField: string; readonly pods: string };

  /** Response header names the edge must be told to allow (ingress-nginx), else empty. */
  allowedResponseHeaders(endpoint: ResolvedEndpoint): readonly string[];
  /** Renders the endpoint's objects as children of `endpoint.scope`, and declares what the cluster must run. */
  bind(endpoint: EdgeEndpoint): EdgeOutput;
  /** Renders the refusal of metrics paths the routes would expose (run when the model is complete). */
  refuseMetrics(endpoint: EdgeEndpoint, exclusions: readonly MetricsExposure[]): void;
  /** The edge's pods from the cluster profile, as a NetworkPolicy peer. */
  defaultPeer(chart: SystemChart): NetworkPeer;

  /** The edge's checks of a regex route (after the common ones). */
  validateRegexRoute(report: ValidationReport, route: ResolvedRoute): void;
  /** Why a literal path is refused by this edge, or undefined. */
  checkLiteralPath(path: string): string | undefined;
  /** The edge's checks of a gRPC route. */
  validateGrpcRoute(report: ValidationReport, route: ResolvedRoute, endpoint: EdgeEndpoint): void;
  /** Whether the TLS issuer's HTTP-01 solver reaches this edge. */
  validateSolver(report: ValidationReport, endpoint: EdgeEndpoint): void;
  /** Checks of the endpoint's own props before the profile is consulted (e.g. the IngressClass name). */
  validateProps(report: ValidationReport): void;
  /** Checks against the profile of the edge (run only when the profile runs this edge). */
  validateAgainstProfile(report: ValidationReport, edge: EdgeProfile, endpoint: EdgeEndpoint): void;
  /** Checks of the endpoint as a whole, last. */
  validateEndpoint(report: ValidationReport, endpoint: EdgeEndpoint): void;
}
