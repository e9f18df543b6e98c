package sselimitgin

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/codec/json"
	"github.com/gin-gonic/gin/render"
	sselimit "github.com/sselimit/sselimit/core"
)

// refuse is the default deny and error handler.
func refuse(c *gin.Context, r *sselimit.Refusal) {
	r.SetHeaders(c.Writer.Header())
	c.Abort()
	if r.Soft {
		c.Data(http.StatusOK, "text/event-stream", r.SoftBody())
		return
	}
	if body, ok := refusalBodies()[r.Reason]; ok {
		c.Render(r.Status, body)
		return
	}
	c.JSON(r.Status, gin.H{"error": r.Message()})
}

// refusalBodies holds each refusal reason's body, what
// c.JSON(status, gin.H{"error": r.Message()}) writes, marshalled once, at
// the first refusal, by the JSON codec Gin uses then (an application may
// set its own in gin/codec/json.API as it starts): marshalling it per
// refusal was most of a refusal's cost.
var refusalBodies = sync.OnceValue(func() map[sselimit.Reason]render.Render {
	m := make(map[sselimit.Reason]render.Render)
	for _, reason := range sselimit.RefusalReasons() {
		body, err := json.API.Marshal(gin.H{"error": (&sselimit.Refusal{Reason: reason}).Message()})
		if err == nil { // else refuse renders it per refusal, as c.JSON would
			m[reason] = jsonBody(body)
		}
	}
	return m
})

// jsonBody is a marshalled JSON body, written as Gin's render.JSON writes
// one: the JSON content type unless one is set, then the body.
type jsonBody []byte

// jsonContentType is shared by every response, as Gin shares its own.
var jsonContentType = []string{"application/json; charset=utf-8"}

func (b jsonBody) Render(w http.ResponseWriter) error {
	b.WriteContentType(w)
	_, err := w.Write(b)
	return err
}

func (b jsonBody) WriteContentType(w http.ResponseWriter) {
	if h := w.Header(); len(h["Content-Type"]) == 0 {
		h["Content-Type"] = jsonContentType
	}
}
