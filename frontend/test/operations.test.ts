// Replays the server's own results (test/fixtures/operations.json, written by
// tests/frontend/test_operation_fixture.py) against the TypeScript implementation.
import { describe, expect, it } from "vitest";
import type { TopologyDocument } from "../src/generated/document";
import { applyOperations, OperationError, type Operation } from "../src/model/operations";
import cases from "./fixtures/operations.json";

type Case = {
  name: string;
  document: TopologyDocument;
  ops: Operation[];
  expected: { document?: TopologyDocument; error?: { path: string; message: string } };
};

describe("applyOperations matches designer/spec/operations.py", () => {
  it("has cases", () => {
    expect((cases as Case[]).length).toBeGreaterThan(10);
  });

  it.each((cases as Case[]).map((c) => [c.name, c] as const))("%s", (_name, testCase) => {
    const before = structuredClone(testCase.document);
    if (testCase.expected.error) {
      let caught: unknown;
      try {
        applyOperations(testCase.document, testCase.ops);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OperationError);
      const error = caught as OperationError;
      expect({ path: error.path, message: error.detail }).toEqual(testCase.expected.error);
    } else {
      expect(applyOperations(testCase.document, testCase.ops)).toEqual(
        testCase.expected.document,
      );
    }
    // Applying never changes its input.
    expect(testCase.document).toEqual(before);
  });
});
