// Package examples holds the end-to-end tests of the example apps: each
// app is built, started as a process, and driven by headless Chromium.
// The apps themselves are the main packages gin, echo and fiber, and demo
// holds what they share.
package examples
