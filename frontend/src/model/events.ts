/**
 * The WebSocket messages as the client handles them: the generated catalog types, with the
 * `type` tag required (the server always sends it) so they form a discriminated union.
 */
import type * as Catalog from "../generated/events";
import type { TopologyDocument } from "../generated/document";
import type { Operation } from "./operations";

type Tagged<T, Tag extends string> = Omit<T, "type"> & { type: Tag };

export type Welcome = Tagged<Catalog.Welcome, "welcome">;
export type Ack = Tagged<Catalog.Ack, "ack">;
export type Rejected = Tagged<Catalog.Rejected, "rejected">;
export type RevisionEvent = Tagged<Catalog.RevisionEvent, "revision">;
export type FindingsEvent = Tagged<Catalog.Findings1, "findings">;
export type PresenceEvent = Tagged<Catalog.PresenceEvent, "presence">;
export type Resync = Tagged<Catalog.Resync, "resync">;
export type ErrorEvent = Tagged<Catalog.ErrorEvent, "error">;
export type Pong = Tagged<Catalog.Pong, "pong">;

export type ServerEvent =
  | Welcome
  | Ack
  | Rejected
  | RevisionEvent
  | FindingsEvent
  | PresenceEvent
  | Resync
  | ErrorEvent
  | Pong;

export type ClientEvent =
  | Catalog.EditMessage
  | Catalog.SelectMessage
  | Catalog.SyncMessage
  | Catalog.PingMessage;

export type FieldProblem = Catalog.FieldProblem;
export type Finding = Catalog.FindingOut;
export type PresenceClient = Catalog.Presence1;

/** The server's documents and operations arrive as plain JSON objects; these name them. */
export const asDocument = (value: object): TopologyDocument => value as TopologyDocument;
export const asOperations = (value: readonly object[]): Operation[] => value as Operation[];
