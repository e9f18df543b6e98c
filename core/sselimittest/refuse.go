package sselimittest

// MustRefuse opens path as user, as Open does, and fails the test unless
// the request is refused with the status want.
func (c *Client) MustRefuse(path, user string, want int) {
	c.t.Helper()
	conn, resp, body, err := c.Open(path, user)
	if err != nil || conn != nil || resp.StatusCode != want {
		c.t.Fatalf("GET %s as %q: got %v body %q err %v, want status %d", path, user, status(resp), body, err, want)
	}
}
