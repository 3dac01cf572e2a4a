// The project page's pure parts: where a server error is shown, what a share link opens, and
// how the VLAN policy form's text becomes the policy the server takes.
import { describe, expect, it } from "vitest";
import { ApiError, type ShareLink, type TopologySummary } from "../src/api/client";
import {
  expiryInstant,
  fieldsNamed,
  formatRanges,
  linkState,
  parseRanges,
  policyErrorKey,
  policyFromRows,
  policyRows,
  problemsOf,
  rolesByVlan,
  shareAddresses,
  overLimit,
  usageText,
} from "../src/pages/project/helpers";
import { nameOfFile, problemsInFile } from "../src/pages/project/Topologies";

const topology = (id: number, name: string): TopologySummary => ({
  id,
  project: 1,
  name,
  description: "",
  head_revision: 1,
  role: "owner",
});

const link = (fields: Partial<ShareLink>): ShareLink => ({
  id: 7,
  token: "tok/en+1",
  project: 1,
  topology: null,
  label: "",
  created_at: "2030-01-01T00:00:00Z",
  created_by: "ada",
  expires_at: null,
  revoked_at: null,
  active: true,
  ...fields,
});

describe("a topology made from a file", () => {
  it("shows the file's problems under its field, each naming its place in the file", () => {
    const error = new ApiError(400, "invalid_input", "document_text.subnets[0].cidr: bad", [
      { path: "document_text.subnets[0].cidr", message: "is not a CIDR" },
      { path: "document_text", message: "is not valid JSON or YAML" },
      { path: "name", message: "the project already has a topology of this name" },
    ]);
    const shown = problemsOf(problemsInFile(error), fieldsNamed("name", "document_text"));
    expect(shown).toEqual({
      document_text: ["subnets[0].cidr: is not a CIDR", "is not valid JSON or YAML"],
      name: ["the project already has a topology of this name"],
    });
    const offline = new TypeError("Failed to fetch");
    expect(problemsInFile(offline)).toBe(offline);
  });

  it("takes the topology's name from the file's", () => {
    expect(nameOfFile("web-tier.yaml")).toBe("web-tier");
    expect(nameOfFile("lab.v2.JSON")).toBe("lab.v2");
    expect(nameOfFile("notes.txt")).toBe("notes.txt");
  });
});

describe("server errors on a form", () => {
  it("puts each message under the field it names, and the rest on the form", () => {
    const error = new ApiError(400, "invalid_input", "username: no active user", [
      { path: "username", message: "no active user has this username" },
      { path: "project", message: "no project with this id" },
      { path: "(body)", message: "is not valid" },
    ]);
    expect(problemsOf(error, fieldsNamed("username", "role"))).toEqual({
      username: ["no active user has this username"],
      "(body)": ["project: no project with this id", "is not valid"],
    });
  });

  it("shows the detail of an error that names no field, and a network failure", () => {
    const conflict = new ApiError(409, "last_owner", "A project must keep at least one owner.", []);
    expect(problemsOf(conflict, fieldsNamed("role"))).toEqual({
      "(body)": ["A project must keep at least one owner."],
    });
    expect(problemsOf(new TypeError("Failed to fetch"), fieldsNamed("role"))).toEqual({
      "(body)": ["The server could not be reached."],
    });
  });
});

describe("share links", () => {
  const topologies = [topology(3, "Campus"), topology(4, "Lab")];

  it("opens its one topology, read only, with the token escaped", () => {
    expect(shareAddresses(link({ topology: 4 }), topologies, "http://h")).toEqual([
      { topology: "Lab", url: "http://h/app/topologies/4/?share=tok%2Fen%2B1" },
    ]);
  });

  it("opens every topology of the project when it shares the whole project", () => {
    expect(shareAddresses(link({}), topologies, "http://h").map((a) => a.topology)).toEqual([
      "Campus",
      "Lab",
    ]);
  });

  it("tells revoked from expired", () => {
    expect(linkState(link({}))).toBe("active");
    expect(linkState(link({ active: false, revoked_at: "2030-01-02T00:00:00Z" }))).toBe("revoked");
    expect(linkState(link({ active: false }))).toBe("expired");
  });

  it("takes an empty expiry as never and refuses text that is no time", () => {
    expect(expiryInstant(" ")).toEqual({ value: null });
    expect(expiryInstant("2030-06-01T12:30")).toEqual({
      value: new Date("2030-06-01T12:30").toISOString(),
    });
    expect(expiryInstant("soon")).toHaveProperty("error");
  });
});

describe("quota", () => {
  it("says usage in words", () => {
    expect(usageText("networks", 3, 10)).toBe("networks 3 of 10");
    expect(usageText("floating_ips", 0, 50)).toBe("floating IPs 0 of 50");
  });

  it("reads -1 as no limit, which nothing is ever over", () => {
    expect(usageText("networks", 300, -1)).toBe("networks 300, no limit");
    expect(overLimit(300, -1)).toBe(false);
    expect(overLimit(11, 10)).toBe(true);
    expect(overLimit(10, 10)).toBe(false);
  });
});

describe("VLAN policy form", () => {
  it("reads ranges and single VLANs, and writes them back the same way", () => {
    expect(parseRanges("10-19, 42 ,100 – 199,")).toEqual({
      ranges: [
        [10, 19],
        [42, 42],
        [100, 199],
      ],
    });
    expect(parseRanges("")).toEqual({ ranges: [] });
    expect(parseRanges("10-")).toEqual({ error: '"10-" is not a VLAN or a range like 10-19.' });
    expect(
      formatRanges([
        [10, 19],
        [42, 42],
      ]),
    ).toBe("10-19, 42");
  });

  it("lists roles from the lowest VLAN up, those without a range last", () => {
    const policy = {
      ranges: {
        tenant: [[100, 3999]] as [number, number][],
        spare: [],
        storage: [
          [90, 99],
          [30, 39],
        ] as [number, number][],
        backup: [],
      },
      forbidden_pairs: [],
    };
    expect(rolesByVlan(policy).map(([role]) => role)).toEqual([
      "storage",
      "tenant",
      "backup",
      "spare",
    ]);
  });

  it("turns rows into a policy and back", () => {
    const policy = {
      ranges: {
        management: [[10, 19]] as [number, number][],
        tenant: [[100, 3999]] as [number, number][],
      },
      forbidden_pairs: [["management", "tenant"]] as [string, string][],
    };
    const rows = policyRows(policy);
    expect(rows.roles).toEqual([
      { role: "management", ranges: "10-19" },
      { role: "tenant", ranges: "100-3999" },
    ]);
    expect(policyFromRows(rows)).toEqual({ policy });
  });

  it("refuses a role without a name, a role given twice, and ranges it cannot read", () => {
    const result = policyFromRows({
      roles: [
        { role: "storage", ranges: "30-39" },
        { role: " ", ranges: "1" },
        { role: "storage", ranges: "x" },
      ],
      pairs: [],
    });
    expect(result).toEqual({
      problems: {
        "role:1": ["Give the role a name."],
        "role:2": ['The role "storage" is listed twice.'],
        "ranges:2": ['"x" is not a VLAN or a range like 10-19.'],
      },
    });
  });

  it("shows a server error at the row of the role or pair it names", () => {
    const rows = {
      roles: [
        { role: "management", ranges: "10-19" },
        { role: "storage", ranges: "5000" },
      ],
      pairs: [["storage", "storage"]] as [string, string][],
    };
    expect(policyErrorKey("ranges.storage[0]", rows)).toBe("ranges:1");
    expect(policyErrorKey("ranges.management", rows)).toBe("ranges:0");
    expect(policyErrorKey("ranges.gone", rows)).toBe("ranges");
    expect(policyErrorKey("forbidden_pairs[0]", rows)).toBe("pair:0");
    expect(policyErrorKey("ranges", rows)).toBe("ranges");
    expect(policyErrorKey("(body)", rows)).toBeNull();
  });
});
