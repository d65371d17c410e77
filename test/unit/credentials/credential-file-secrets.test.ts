import { describe, expect, it } from "vitest";
import { credentialFileSecrets } from "../../../src/credentials/credential-file-secrets.js";
import { createRedactor } from "../../../src/util/redact.js";

const GOOGLE_KEY = JSON.stringify({
  type: "service_account",
  project_id: "acme-prod",
  private_key_id: "0123456789abcdef0123456789abcdef01234567",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
  client_email: "deployer@acme-prod.iam.gserviceaccount.com",
  client_id: "123456789012345678901",
});
const AWS_PROFILE = [
  "[default]",
  "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  "region = eu-west-1",
  "",
].join("\n");
const DOTENV = 'export ARM_CLIENT_SECRET="s3cr3t-azure-client-value"\nARM_TENANT_ID=00000000-0000-0000-0000-000000000000\n';

describe("the credentials inside a credential file", () => {
  it("finds the secret fields of a Google key file, an AWS profile and a .env file, not their other values", () => {
    expect(credentialFileSecrets(GOOGLE_KEY)).toEqual([
      "0123456789abcdef0123456789abcdef01234567",
      "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
    ]);
    expect(credentialFileSecrets(AWS_PROFILE)).toEqual(["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
    expect(credentialFileSecrets(DOTENV)).toEqual(["s3cr3t-azure-client-value"]);
    expect(credentialFileSecrets("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")).toEqual([]);
  });

  it("lets the redactor hide one field a run prints alone (control: the whole file alone does not)", () => {
    const printed = "secret = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    expect(createRedactor({ secrets: [AWS_PROFILE.trim()] })(printed)).toContain("wJalrXUtnFEMI");
    expect(createRedactor({ secrets: [AWS_PROFILE.trim(), ...credentialFileSecrets(AWS_PROFILE)] })(printed)).not.toContain(
      "wJalrXUtnFEMI",
    );
  });
});
