// The process's streams, handed to every use case.

export { processStreams as streams } from '../src/io/term/streams.ts';
