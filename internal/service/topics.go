package service

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Topic returns the topic with id from the current rules.
func (s *Service) Topic(id string) (topic.Topic, error) {
	t, ok := s.opts.Topics().Topic(id)
	if !ok {
		return t, &Error{Kind: NotFound, Field: "topic", Msg: fmt.Sprintf("topic %q not found", id)}
	}
	return t, nil
}

// ParseTopics reads a topics file's text, for validation and previews.
// A mistake is Invalid with the line in the message.
func (s *Service) ParseTopics(text string) (*topic.Set, error) {
	set, err := topic.Parse(strings.NewReader(text), "topics")
	if err != nil {
		return nil, &Error{Kind: Invalid, Field: "text", Msg: err.Error(), Err: err}
	}
	return set, nil
}

// EvaluateTopic measures a topic's rules (from text, or the current ones
// when text is empty) on labelled items given as JSON lines.
func (s *Service) EvaluateTopic(topicID, text string, labels io.Reader) (topic.EvalReport, error) {
	set := s.opts.Topics()
	if text != "" {
		var err error
		if set, err = s.ParseTopics(text); err != nil {
			return topic.EvalReport{}, err
		}
	}
	if _, ok := set.Topic(topicID); !ok {
		return topic.EvalReport{}, &Error{Kind: NotFound, Field: "topic", Msg: fmt.Sprintf("topic %q not found", topicID)}
	}
	items, err := topic.ReadLabelled(labels, "labels")
	if err != nil {
		return topic.EvalReport{}, &Error{Kind: Invalid, Field: "labels", Msg: err.Error(), Err: err}
	}
	return topic.Evaluate(set, topicID, items)
}

// Digests lists digests newest first, below the cursor before when it is
// above 0.
func (s *Service) Digests(ctx context.Context, before int64, limit int) ([]model.Digest, error) {
	return s.st.DigestsBefore(ctx, before, orDefault(limit, 50, 500))
}

// Digest returns one digest with its archived rendering.
func (s *Service) Digest(ctx context.Context, id int64) (model.Digest, error) {
	d, err := s.st.Digest(ctx, id)
	return d, wrapStore(err, fmt.Sprintf("digest %d", id))
}

// DigestPreview is a topic's next digest as it would be mailed now.
type DigestPreview struct {
	TopicID    string
	Subject    string
	HTML, Text string
	Items      int
	Recipient  string
	FromSeq    int64
	ToSeq      int64
	Nothing    bool // no new matches: the digest would be skipped or a note
}

// PreviewDigest renders a topic's next digest without recording or
// sending anything.
func (s *Service) PreviewDigest(ctx context.Context, topicID string) (DigestPreview, error) {
	if _, err := s.Topic(topicID); err != nil {
		return DigestPreview{}, err
	}
	if s.opts.PreviewDigest == nil {
		return DigestPreview{}, &Error{Kind: Unsupported, Msg: "digest previews are not available in this process"}
	}
	return s.opts.PreviewDigest(ctx, topicID)
}
