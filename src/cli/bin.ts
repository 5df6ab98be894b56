#!/usr/bin/env node
/// <reference types="node" />
/** The `nabla` executable (package.json "bin"). */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
