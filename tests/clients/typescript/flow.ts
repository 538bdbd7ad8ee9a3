// Registers, logs in, enrols and verifies a user through openapi-fetch typed by the
// openapi-typescript output `./schema` (generated next to this file by tests/clients/main.rs).
// Variables: BASE_URL, USERNAME, PASSWORD, SAMPLES (a JSON file with five `enrol` samples and
// one `verify` sample). Prints one JSON line of what the server answered; the Rust test
// asserts on it. Any unexpected answer throws, so the exit status says so too.
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Sample = components["schemas"]["Sample"];

const READY_TIMEOUT_MS = 60_000;

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

function expectStatus(what: string, response: Response, status: number): void {
  if (response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${response.status}`);
  }
}

const baseUrl = env("BASE_URL");
const username = env("USERNAME");
const password = env("PASSWORD");
const samples = JSON.parse(readFileSync(env("SAMPLES"), "utf8")) as {
  enrol: Sample[];
  verify: Sample;
};

const anonymous = createClient<paths>({ baseUrl });
const registered = await anonymous.POST("/api/v1/auth/register", {
  body: { username, password },
});
expectStatus("register", registered.response, 201);

const refused = await anonymous.POST("/api/v1/auth/login", {
  body: { username, password: `${password}!` },
});
expectStatus("login with a wrong password", refused.response, 401);

const loggedIn = await anonymous.POST("/api/v1/auth/login", { body: { username, password } });
expectStatus("login", loggedIn.response, 200);
if (!loggedIn.data) throw new Error("login answered without a body");

const client = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${loggedIn.data.access_token}` },
});
const account = await client.GET("/api/v1/me");
expectStatus("me", account.response, 200);

const enrolled: components["schemas"]["EnrollmentResponse"][] = [];
for (const sample of samples.enrol) {
  const answer = await client.POST("/api/v1/biometrics/enrollments", { body: sample });
  expectStatus("enrol", answer.response, 201);
  if (answer.data) enrolled.push(answer.data);
}

const deadline = Date.now() + READY_TIMEOUT_MS;
for (;;) {
  const profile = await client.GET("/api/v1/biometrics/profile");
  expectStatus("profile", profile.response, 200);
  if (profile.data?.profiles.some((p) => p.ready && !p.training)) break;
  if (Date.now() > deadline) throw new Error("the profile was not trained in time");
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const verified = await client.POST("/api/v1/biometrics/verify", { body: samples.verify });
expectStatus("verify", verified.response, 200);
if (!verified.data) throw new Error("verify answered without a body");

console.log(
  JSON.stringify({
    user_id: registered.data?.user_id,
    me_username: account.data?.username,
    wrong_password_code: refused.error?.code,
    enrolled: enrolled.map((e) => e.enrolled),
    ready: enrolled[enrolled.length - 1]?.ready,
    profile_key: enrolled[enrolled.length - 1]?.profile_key,
    score: verified.data.score,
    threshold: verified.data.threshold,
    decision: verified.data.decision,
    model_version: verified.data.model_version,
  }),
);
