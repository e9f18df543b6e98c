// Package sselimitredistest starts real Redis servers for tests — a single
// node, a master and replica watched by Redis Sentinel, or a three-master
// Redis Cluster, on free ports of 127.0.0.1 — and runs the sselimit
// behaviour suite on sselimitredis limiters.
//
// It needs redis-server and redis-cli on the PATH, and fails the test when
// they are missing.
package sselimitredistest
