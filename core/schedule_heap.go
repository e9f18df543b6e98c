package sselimit

// The scheduler's heap, ordered by due; each stream keeps its place in
// slot (index+1, 0 when not in the heap). The scheduler's lock is held.

func (q *scheduler) less(i, j int) bool { return q.heap[i].due() < q.heap[j].due() }

func (q *scheduler) swap(i, j int) {
	h := q.heap
	h[i], h[j] = h[j], h[i]
	h[i].slot, h[j].slot = int32(i+1), int32(j+1)
}

func (q *scheduler) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			return
		}
		q.swap(i, parent)
		i = parent
	}
}

func (q *scheduler) down(i int) {
	n := len(q.heap)
	for {
		least := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < n && q.less(c, least) {
				least = c
			}
		}
		if least == i {
			return
		}
		q.swap(i, least)
		i = least
	}
}

func (q *scheduler) fix(i int) {
	q.up(i)
	q.down(i)
}

func (q *scheduler) removeAt(i int) {
	last := len(q.heap) - 1
	s := q.heap[i]
	if i != last {
		q.swap(i, last)
	}
	q.heap[last] = nil
	q.heap = q.heap[:last]
	s.slot = 0
	if i != last {
		q.fix(i)
	}
	if cap(q.heap) > 64 && len(q.heap) < cap(q.heap)/4 {
		q.heap = append([]*Stream(nil), q.heap...) // give back what a crowd left
	}
}
