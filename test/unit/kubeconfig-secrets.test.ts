import { describe, expect, it } from "vitest";
import { kubeconfigSecrets } from "../../src/credentials/kubeconfig-secrets.js";

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: Q0EtZGF0YS1pcy1wdWJsaWM=
users:
- name: admin
  user:
    token: k8s-admin-token-7f3c9a1be2d44c0e
    client-key-data: S0VZLWRhdGEtaXMtc2VjcmV0
- name: ci
  user:
    exec:
      command: aws
      args: [eks, get-token, --cluster-name, prod]
      env:
      - name: AWS_SECRET_ACCESS_KEY
        value: wJalrXUtnFEMI-K7MDENG-bPxRfiCY
contexts:
- name: prod
  context: { cluster: prod, user: admin }
`;

describe("kubeconfigSecrets", () => {
  it("finds every credential under users: tokens, client keys, an exec plugin's env", () => {
    const found = kubeconfigSecrets(KUBECONFIG);
    expect(found).toContain("k8s-admin-token-7f3c9a1be2d44c0e");
    expect(found).toContain("S0VZLWRhdGEtaXMtc2VjcmV0");
    expect(found).toContain("wJalrXUtnFEMI-K7MDENG-bPxRfiCY");
  });

  it("control: what is not a credential stays readable (the server, the CA, names, short words)", () => {
    const found = kubeconfigSecrets(KUBECONFIG);
    for (const shown of ["https://10.0.0.1:6443", "Q0EtZGF0YS1pcy1wdWJsaWM=", "admin", "prod", "aws", "eks"])
      expect(found).not.toContain(shown);
  });

  it("a file that is no kubeconfig is redacted whole, token by token", () => {
    expect(kubeconfigSecrets("not: [yaml\nsecret-looking-value-123 x")).toEqual(["secret-looking-value-123"]);
    expect(kubeconfigSecrets("just-a-token-0123456789\n")).toEqual(["just-a-token-0123456789"]);
  });
});
