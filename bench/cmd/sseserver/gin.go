package main

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/gin"
)

func init() {
	gin.SetMode(gin.ReleaseMode)
	frameworks["gin"] = framework{bareGin, limitedGin}
}

// Both Gin servers are gin.New() without the logger, which would dominate
// the refusal flood: the comparison is of the streams and refusals alone.
func bareGin() server {
	r := gin.New()
	r.GET("/events", bareGinStream)
	r.GET("/refuse", func(c *gin.Context) {
		c.Header("Retry-After", retryAfter)
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": refusalMessage})
	})
	return httpServer(r)
}

func limitedGin(gate *sselimit.Gate) server {
	r := gin.New()
	limit := sselimitgin.New(gate, sselimitgin.WithKeyFunc(func(c *gin.Context) (string, error) {
		return c.Query("user"), nil
	}))
	r.GET("/events", limit, limitedGinStream)
	r.GET("/refuse", limit, limitedGinStream)
	return httpServer(r)
}

// limitedGinStream runs behind sselimitgin, which committed the response
// and runs the heartbeat.
func limitedGinStream(c *gin.Context) {
	if sselimitgin.Stream(c).Send(hello(c.Query("user"))) != nil {
		return
	}
	<-c.Request.Context().Done()
}

// bareGinStream is a hand-written Gin stream: headers, the hello event,
// then a heartbeat until the client goes.
func bareGinStream(c *gin.Context) {
	sselimit.SetStreamHeaders(c.Writer.Header())
	c.Status(http.StatusOK)
	fmt.Fprintf(c.Writer, helloFormat, c.Query("user"))
	c.Writer.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-c.Request.Context().Done():
			return
		case <-tick.C:
			io.WriteString(c.Writer, ": heartbeat\n\n")
			c.Writer.Flush()
		}
	}
}
