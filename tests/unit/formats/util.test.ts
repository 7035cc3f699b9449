import { describe, expect, it } from "vitest";
import {
  digestFromHex,
  imageRepository,
  imageTarget,
  isZoneless,
  latestTimestamp,
  normalizeDigest,
  parseTimestamp,
  reportMetadata,
  targetPath,
  uniqueDigests,
} from "@/server/ingest/util";

const HEX = "b1802758946aa40549b98ee6b8f93e9b92d0a6bf7aed139284893466be9c5065";

describe("parseTimestamp", () => {
  it.each([
    // ISO 8601 with a zone: converted to UTC, fractions kept to the millisecond (Trivy writes nanoseconds)
    ["2024-10-28T15:18:53.825953605Z", "2024-10-28T15:18:53.825Z"],
    ["2026-01-21T10:19:22.484900675+01:00", "2026-01-21T09:19:22.484Z"],
    ["2026-03-19T11:34:26-04:00", "2026-03-19T15:34:26.000Z"],
    ["2021-05-03T10:25:05+0200", "2021-05-03T08:25:05.000Z"],
    ["2016-07-16T14:19:01Z", "2016-07-16T14:19:01.000Z"],
    ["2019-06-06T08:53:15.000Z", "2019-06-06T08:53:15.000Z"],
    // Go's time.String()
    ["2024-01-15 08:58:29.82753744 +0000 UTC", "2024-01-15T08:58:29.827Z"],
    ["2024-01-15 09:58:29 +0100 CET", "2024-01-15T08:58:29.000Z"],
    // no zone written: read as UTC, never as the host's zone
    ["2024-02-22T19:46:26", "2024-02-22T19:46:26.000Z"],
    ["2022-07-22 09:45:32.123", "2022-07-22T09:45:32.123Z"],
    ["2024-05-01", "2024-05-01T00:00:00.000Z"],
    // Kubernetes sample with unpadded month and day (trivy-operator ClusterComplianceReport)
    ["2021-1-1T10:10:10Z", "2021-01-01T10:10:10.000Z"],
    // RFC 2822 and ZAP's `generated` (no zone: UTC), also localised
    ["Thu, 27 Jun 2024 13:25:44", "2024-06-27T13:25:44.000Z"],
    ["Tue, 1 Feb 2022 15:42:10", "2022-02-01T15:42:10.000Z"],
    ["Fr., 30 Sep. 2022 08:40:35", "2022-09-30T08:40:35.000Z"],
    ["Mon, 26 Apr 2021 07:03:32 +0200", "2021-04-26T05:03:32.000Z"],
    ["Mon, 26 Apr 2021 07:03:32 GMT", "2021-04-26T07:03:32.000Z"],
    ["12 déc. 2023 10:00", "2023-12-12T10:00:00.000Z"],
  ])("%s → %s", (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected);
  });

  it.each([
    [undefined],
    [null],
    [""],
    ["   "],
    ["timestamp:redacted"],
    ["redacted"],
    ["0001-01-01T00:00:00Z"], // Go's zero time: "not set"
    ["1969-12-31T23:59:59Z"],
    ["2024-02-30T10:00:00Z"], // no such day
    ["2024-13-01T10:00:00Z"],
    ["2024-01-01T24:00:00Z"],
    ["2024-01-01T10:00:00+25:00"],
    ["2024-01-01T10:00:00 PST"], // an abbreviation alone does not say the offset
    ["Thu, 27 Foo 2024 13:25:44"],
    ["1700000000"], // a bare number is not a date in any report field read here
    [1700000000],
    [{ date: "2024-01-01" }],
  ])("%j → undefined", (input) => {
    expect(parseTimestamp(input)).toBeUndefined();
  });

  it("does not depend on the host's time zone", () => {
    // Date.parse would read a zoneless ISO time in the host's zone; the result here must be the same anywhere.
    expect(parseTimestamp("2024-06-01T12:00:00")).toBe(new Date(Date.UTC(2024, 5, 1, 12)).toISOString());
  });

  it("latestTimestamp picks the latest and ignores gaps", () => {
    expect(latestTimestamp([undefined, "2021-03-08T15:39:40.000Z", "2016-07-16T14:19:01.000Z"])).toBe("2021-03-08T15:39:40.000Z");
    expect(latestTimestamp([undefined])).toBeUndefined();
    expect(latestTimestamp([])).toBeUndefined();
  });
});

describe("digests", () => {
  it.each([
    [`sha256:${HEX}`, `sha256:${HEX}`],
    [`SHA256:${HEX.toUpperCase()}`, `sha256:${HEX}`],
    [`bkimminich/juice-shop@sha256:${HEX}`, `sha256:${HEX}`],
    [`localhost:5000/app@sha256:${HEX}`, `sha256:${HEX}`],
    [`pkg:oci/ubuntu@sha256%3A${HEX}?arch=amd64`, `sha256:${HEX}`],
    [`  sha256:${HEX}  `, `sha256:${HEX}`],
  ])("normalizeDigest(%s)", (input, expected) => {
    expect(normalizeDigest(input)).toBe(expected);
  });

  it.each([
    [undefined],
    [""],
    ["sha256:test"],
    ["sha256:redacted"],
    ["sha256:07a3eb7aaaaaaaaa69f29ff9a2945c9bb0a6592654421b8357c"], // truncated
    [`sha256:${HEX}0`], // 65 hex digits
    ["sha256:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
    [`sha512:${HEX}${HEX}`],
    [HEX], // a bare hash is not a digest reference (digestFromHex reads hash fields)
    ["REDACTED"],
  ])("normalizeDigest(%s) → undefined", (input) => {
    expect(normalizeDigest(input)).toBeUndefined();
  });

  it("digestFromHex reads bare SHA-256 hashes only", () => {
    expect(digestFromHex(HEX.toUpperCase())).toBe(`sha256:${HEX}`);
    expect(digestFromHex(`sha256:${HEX}`)).toBeUndefined();
    expect(digestFromHex(HEX.slice(1))).toBeUndefined();
  });

  it("uniqueDigests keeps the first of each, in order", () => {
    const other = "a".repeat(64);
    expect(uniqueDigests([`repo@sha256:${HEX}`, "", undefined, `sha256:${other}`, `sha256:${HEX.toUpperCase()}`])).toEqual([
      `sha256:${HEX}`,
      `sha256:${other}`,
    ]);
  });
});

describe("imageRepository", () => {
  it.each([
    ["bkimminich/juice-shop:v10.2.0", "bkimminich/juice-shop"],
    ["alpine", "alpine"],
    ["alpine:3.19", "alpine"],
    [`alpine@sha256:${HEX}`, "alpine"],
    ["ghcr.io/acme/app:1.2", "ghcr.io/acme/app"],
    [`ghcr.io/acme/app:1.2@sha256:${HEX}`, "ghcr.io/acme/app"],
    ["localhost:5000/app:1.0", "localhost:5000/app"],
    ["localhost:5000/app", "localhost:5000/app"],
    [`localhost:5000/team/app@sha256:${HEX}`, "localhost:5000/team/app"],
    ["docker.io/library/python:3.12", "docker.io/library/python"], // no normalisation either way
    ["library/python", "library/python"],
    ["docker:alpine:3.19", "alpine"],
    ["registry:ghcr.io/acme/app:1", "ghcr.io/acme/app"],
    ["testdata/fixtures/images/alpine-310.tar.gz", "testdata/fixtures/images/alpine-310.tar.gz"],
  ])("%s → %s", (input, expected) => {
    expect(imageRepository(input)).toBe(expected);
  });

  it("is undefined for nothing", () => {
    expect(imageRepository("")).toBeUndefined();
    expect(imageRepository(undefined)).toBeUndefined();
    expect(imageRepository(`@sha256:${HEX}`)).toBeUndefined();
  });
});

describe("imageTarget", () => {
  it.each([
    ["bkimminich/juice-shop:v10.2.0", "bkimminich/juice-shop"],
    ["localhost:5000/app:1.0", "localhost:5000/app"],
    ["testdata/fixtures/images/alpine-310.tar.gz", "testdata/fixtures/images/alpine-310.tar.gz"],
    ["docker-archive:images/app.tar", "images/app.tar"],
    ["image.tar", "image.tar"],
  ])("%s → %s", (input, expected) => {
    expect(imageTarget(input)).toBe(expected);
  });

  it("gives no target for an archive at an absolute path", () => {
    expect(imageTarget("/tmp/build/image.tar")).toBeUndefined();
    expect(imageTarget("docker-archive:/tmp/image.tar")).toBeUndefined();
  });
});

describe("targetPath", () => {
  it.each([
    ["packages/web", "packages/web"],
    ["./packages/web/", "packages/web"],
    ["packages\\web", "packages/web"],
    ["sbom.json", "sbom.json"],
    ['"packages/web"', "packages/web"],
    ["https://github.com/secureCodeBox/secureCodeBox", "https://github.com/secureCodeBox/secureCodeBox"],
    ["https://github.com/acme/app/", "https://github.com/acme/app"],
  ])("%s → %s", (input, expected) => {
    expect(targetPath(input)).toBe(expected);
  });

  it.each([["."], ['"."'], ["./"], [""], ["/some/path"], ["/tmp/tmp.Xa81/src"], ["C:\\builds\\app"], ["file:///src"], ["~/src"]])(
    "%s → undefined",
    (input) => {
      expect(targetPath(input)).toBeUndefined();
    },
  );
});

describe("reportMetadata", () => {
  it("leaves out what is unknown and keeps artifactDigest as the first digest", () => {
    expect(reportMetadata({})).toEqual({});
    expect(reportMetadata({ digests: ["REDACTED", undefined] })).toEqual({});
    const other = "c".repeat(64);
    expect(
      reportMetadata({ generatedAt: "2024-01-01T00:00:00.000Z", digests: [`x@sha256:${HEX}`, `sha256:${other}`], target: "x" }),
    ).toEqual({
      generatedAt: "2024-01-01T00:00:00.000Z",
      artifactDigests: [`sha256:${HEX}`, `sha256:${other}`],
      artifactDigest: `sha256:${HEX}`,
      target: "x",
    });
  });
});

describe("isZoneless", () => {
  it("tells a local time without a zone from one that says where it was taken", () => {
    expect(isZoneless("Thu, 27 Jun 2024 13:25:44")).toBe(true);
    expect(isZoneless("2024-06-27T13:25:44")).toBe(true);
    expect(isZoneless("2024-06-27T13:25:44Z")).toBe(false);
    expect(isZoneless("2024-06-27T13:25:44+02:00")).toBe(false);
    expect(isZoneless("Thu, 27 Jun 2024 13:25:44 GMT")).toBe(false);
    expect(isZoneless("2024-06-27")).toBe(false);
    expect(isZoneless("not a date 12:00")).toBe(false);
  });
});
