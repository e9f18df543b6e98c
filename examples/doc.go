// Package examples holds the end-to-end tests of the example apps: each
// app is built and started as a process, and driven by real clients —
// headless Chromium, nginx in front, Prometheus scraping it, plain HTTP
// clients from several loopback addresses. The apps themselves are the
// main packages gin, echo and fiber, and demo holds what they share.
package examples
