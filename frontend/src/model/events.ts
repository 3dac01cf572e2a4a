/**
 * The WebSocket messages as the client handles them: the generated catalog types, named, and
 * joined into unions on their `type` tag (which the catalog marks required).
 */
import type * as Catalog from "../generated/events";
import type { TopologyDocument } from "../generated/document";
import type { Operation } from "./operations";

export type Welcome = Catalog.Welcome;
export type Ack = Catalog.Ack;
export type Rejected = Catalog.Rejected;
export type RevisionEvent = Catalog.RevisionEvent;
export type FindingsEvent = Catalog.Findings1;
export type PresenceEvent = Catalog.PresenceEvent;
export type Resync = Catalog.Resync;
export type ErrorEvent = Catalog.ErrorEvent;
export type Pong = Catalog.Pong;
export type DeploymentEvent = Catalog.DeploymentEvent;
export type DriftEvent = Catalog.DriftEvent;
export type ConnectivityEvent = Catalog.ConnectivityEvent;
export type VrrpEvent = Catalog.VrrpEvent;
/** A load balancer's member changed health, as its host's checker found it. */
export type LbMemberEvent = Catalog.LbMemberEvent;
/** What an HA router's VRRP transitions added up to, and a drill's progress (its probe's
 * outage included). */
export type HaRouterEvent =
  | Catalog.FailoverEvent
  | Catalog.SwitchoverEvent
  | Catalog.FailbackEvent
  | Catalog.SplitBrainEvent
  | Catalog.NoMasterEvent
  | Catalog.DrillEvent;

export type ServerEvent =
  | Welcome
  | Ack
  | Rejected
  | RevisionEvent
  | FindingsEvent
  | PresenceEvent
  | Resync
  | ErrorEvent
  | Pong
  | DeploymentEvent
  | DriftEvent
  | ConnectivityEvent
  | VrrpEvent
  | LbMemberEvent
  | HaRouterEvent;

export type ClientEvent =
  Catalog.EditMessage | Catalog.SelectMessage | Catalog.SyncMessage | Catalog.PingMessage;

export type FieldProblem = Catalog.FieldProblem;
export type Finding = Catalog.FindingOut;
export type PresenceClient = Catalog.Presence1;
/** A deploy or destroy as the server shows it: state, progress per host, error. */
export type Deployment = Catalog.DeploymentOut;
export type DeploymentState = Deployment["state"];
export type HostProgress = Catalog.HostProgress;
export type LogLine = Catalog.LogLine;
/** A connectivity check as the server shows it: its state, each probe's result, findings. */
export type Check = Catalog.CheckOut;
/** One probe of a check, beside what the design predicts and the path it predicts. */
export type CheckResult = Catalog.CheckResult;
/** Where one element stands in a deploy or destroy. */
export type ElementDeployState = Catalog.Elements2[string];
/** What changed on the deployed hosts outside Netloom, as last observed. */
export type DriftReport = Catalog.DriftReport;
export type DriftItem = Catalog.DriftItem;
/** How an element or a kernel object has drifted. */
export type DriftChange = DriftItem["change"];
/** Where an HA router instance stands in its VRRP election: `master` holds the router's
 * addresses, `backup` stands by, `fault` cannot take part, `stop` no longer runs. */
export type VrrpState = VrrpEvent["new_state"];

/** The server's documents and operations arrive as plain JSON objects; these name them. */
export const asDocument = (value: object): TopologyDocument => value as TopologyDocument;
export const asOperations = (value: readonly object[]): Operation[] => value as Operation[];
