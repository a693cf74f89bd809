import { describe, expect, it } from "vitest";
import {
  ArtifactCorruptError,
  ArtifactMissingError,
  ArtifactStoreFullError,
  ColumnError,
  ConfigError,
  ConflictError,
  CsrfError,
  DeploymentNameTakenError,
  DomainError,
  ExportError,
  ForbiddenError,
  IngestError,
  IntegrityError,
  InvalidInputError,
  NotADatasetError,
  NotFoundError,
  PathError,
  PayloadError,
  PeopleError,
  PipelineInvalidError,
  ProductionApprovalRequiredError,
  ReadBackError,
  SandboxUnavailableError,
  ScheduleInputError,
  StartupError,
  StepInputError,
  ToolNotFoundError,
  trpcCodeOf,
  UnauthorizedError,
  UnavailableError,
  UploadError,
  WebhookUrlError,
} from "./errors";

describe("trpcCodeOf", () => {
  it("maps each base class to its code", () => {
    expect(trpcCodeOf(new InvalidInputError("x"))).toBe("BAD_REQUEST");
    expect(trpcCodeOf(new NotFoundError("x"))).toBe("NOT_FOUND");
    expect(trpcCodeOf(new ConflictError("x"))).toBe("CONFLICT");
    expect(trpcCodeOf(new UnauthorizedError("x"))).toBe("UNAUTHORIZED");
    expect(trpcCodeOf(new ForbiddenError("x"))).toBe("FORBIDDEN");
    expect(trpcCodeOf(new UnavailableError("x"))).toBe("SERVICE_UNAVAILABLE");
    expect(trpcCodeOf(new IntegrityError("x"))).toBe("INTERNAL_SERVER_ERROR");
    expect(trpcCodeOf(new DomainError("x"))).toBe("INTERNAL_SERVER_ERROR");
  });

  it("keeps the codes the tRPC boundary gave before the hierarchy", () => {
    expect(trpcCodeOf(new PipelineInvalidError([{ code: "unknown_type", message: "m" }]))).toBe(
      "BAD_REQUEST",
    );
    expect(trpcCodeOf(new NotADatasetError("x"))).toBe("BAD_REQUEST");
    expect(trpcCodeOf(new ScheduleInputError("x"))).toBe("BAD_REQUEST");
    expect(trpcCodeOf(new PeopleError("x"))).toBe("BAD_REQUEST");
    expect(trpcCodeOf(new ProductionApprovalRequiredError("x"))).toBe("CONFLICT");
  });

  it("maps specific errors by their base", () => {
    for (const e of [
      new StepInputError("x"),
      new UploadError("x"),
      new IngestError("x"),
      new ColumnError("x"),
      new PathError("x"),
      new ExportError("x"),
      new ReadBackError("f", "it is a symbolic link"),
      new WebhookUrlError("x"),
      new PayloadError("inputs", "expected an array"),
    ])
      expect([e.name, trpcCodeOf(e)]).toEqual([e.name, "BAD_REQUEST"]);
    expect(trpcCodeOf(new DeploymentNameTakenError("x"))).toBe("CONFLICT");
    expect(trpcCodeOf(new CsrfError("x"))).toBe("FORBIDDEN");
    for (const e of [
      new ConfigError("x"),
      new StartupError("x"),
      new ToolNotFoundError("x"),
      new SandboxUnavailableError("x"),
      new ArtifactStoreFullError("/data", "ENOSPC", new Error("full")),
    ])
      expect([e.name, trpcCodeOf(e)]).toEqual([e.name, "SERVICE_UNAVAILABLE"]);
    expect(trpcCodeOf(new ArtifactMissingError("a".repeat(64), "s"))).toBe("INTERNAL_SERVER_ERROR");
    expect(trpcCodeOf(new ArtifactCorruptError("a".repeat(64), "s", "b"))).toBe(
      "INTERNAL_SERVER_ERROR",
    );
  });

  it("leaves errors that are not Flowforge's own to tRPC", () => {
    expect(trpcCodeOf(new Error("x"))).toBeNull();
    expect(trpcCodeOf(new TypeError("x"))).toBeNull();
    expect(trpcCodeOf("a string")).toBeNull();
    expect(trpcCodeOf(undefined)).toBeNull();
  });

  it("keeps each error's own name and message", () => {
    expect(new UploadError("bad id")).toMatchObject({ name: "UploadError", message: "bad id" });
    expect(new ReadBackError("out.json", "it is a FIFO")).toMatchObject({
      name: "ReadBackError",
      message: "out.json was refused: it is a FIFO",
    });
    expect(new PayloadError("inputs[0].name", "expected a string").message).toBe(
      "inputs[0].name: expected a string",
    );
    expect(new PipelineInvalidError([{ code: "c", message: "m" }]).message).toBe(
      "The pipeline is invalid:\n  - m",
    );
    expect(new ArtifactStoreFullError("/d", "EDQUOT", null).name).toBe("ArtifactStoreFullError");
  });
});
