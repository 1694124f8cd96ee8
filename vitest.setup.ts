// Runs before every test file of every package (see vitest.shared.ts).
import { removeTempDirs } from "@tidemark/testkit";
import { afterAll } from "vitest";

// Temp folders made through the testkit are removed whatever the file's tests did.
afterAll(removeTempDirs);
