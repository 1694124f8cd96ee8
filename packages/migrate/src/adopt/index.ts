export { type AdoptedDown, type AdoptOptions, type AdoptProgress, type AdoptReport, adopt } from "./adopt.js";
export { readUnverifiedReason, UNVERIFIED_PREFIX, unverifiedReason } from "./marker.js";
