/**
 * 64-bit fields (player ids) decode as plain numbers, not Long objects: ids are kept within
 * Number.MAX_SAFE_INTEGER (tokens refuse larger ones), and plain numbers compare with ===.
 *
 * This must run before the generated code is evaluated, which reads `util.Long` once to build
 * the default values of 64-bit fields, so it is a module of its own that messages.ts imports
 * first.
 */
import protobuf from 'protobufjs/minimal.js';

protobuf.util.Long = undefined as never;
protobuf.configure();
