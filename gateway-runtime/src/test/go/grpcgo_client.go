// Calls through the gateway with grpc-go (Go's own HTTP/2 stack), for the gateway's tests.
//
// usage: grpcgo_client PORT COMMAND ARG [COMMAND ARG]...
//
//	slow MILLIS      one unary test.Bytes/Slow call, which the test backend answers after MILLIS ms
//	load SECONDS     every call kind, one after another, for SECONDS: unary Echo, client-streaming
//	                 Count, server-streaming Produce, bidi Chat
//	deadline MILLIS  a Slow call of 10 s with a deadline of MILLIS ms: must end DEADLINE_EXCEEDED
//	cancel MILLIS    a bidi Hang call (the backend never answers) cancelled after MILLIS ms
//
// Every command runs concurrently over one connection to 127.0.0.1:PORT and prints one line when it
// ends: "OK <command> <arg> ..." or "FAILED <command> <arg>: <status> <details>". The exit status is
// 0 when every command ended OK.
//
// Built in GOPATH mode against Debian's golang-google-grpc-dev (GrpcGo.java), so no module download.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const timeout = 30 * time.Second

// rawCodec passes messages as the bytes they are: test.Bytes has no protobuf schema.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

func int32s(values ...int) []byte {
	out := make([]byte, 4*len(values))
	for i, value := range values {
		binary.BigEndian.PutUint32(out[4*i:], uint32(value))
	}
	return out
}

func unary(ctx context.Context, conn *grpc.ClientConn, method string, request []byte) ([]byte, error) {
	var response []byte
	err := conn.Invoke(ctx, "/test.Bytes/"+method, &request, &response)
	return response, err
}

func stream(ctx context.Context, conn *grpc.ClientConn, method string, client, server bool) (grpc.ClientStream, error) {
	desc := &grpc.StreamDesc{StreamName: method, ClientStreams: client, ServerStreams: server}
	return conn.NewStream(ctx, desc, "/test.Bytes/"+method)
}

// receiveAll reads messages until the stream ends; it returns them and the call's status.
func receiveAll(s grpc.ClientStream) ([][]byte, error) {
	var messages [][]byte
	for {
		var message []byte
		err := s.RecvMsg(&message)
		if err == io.EOF {
			return messages, nil
		}
		if err != nil {
			return messages, err
		}
		messages = append(messages, message)
	}
}

func chat(conn *grpc.ClientConn, sent [][]byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := stream(ctx, conn, "Chat", true, true)
	if err != nil {
		return err
	}
	for _, message := range sent {
		m := message
		if err := s.SendMsg(&m); err != nil {
			return err
		}
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	echoes, err := receiveAll(s)
	if err != nil {
		return err
	}
	if len(echoes) != len(sent) {
		return fmt.Errorf("Chat answered %d messages to %d", len(echoes), len(sent))
	}
	for i := range sent {
		if !bytes.Equal(echoes[i], sent[i]) {
			return errors.New("Chat answered other messages")
		}
	}
	return nil
}

func produce(conn *grpc.ClientConn, count, size int) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := stream(ctx, conn, "Produce", false, true)
	if err != nil {
		return err
	}
	request := int32s(count, size)
	if err := s.SendMsg(&request); err != nil {
		return err
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	messages, err := receiveAll(s)
	if err != nil {
		return err
	}
	if len(messages) != count {
		return fmt.Errorf("Produce sent %d messages, not %d", len(messages), count)
	}
	for _, message := range messages {
		if len(message) != size {
			return fmt.Errorf("Produce sent a message of %d bytes, not %d", len(message), size)
		}
	}
	return nil
}

func count(conn *grpc.ClientConn, sizes []int) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := stream(ctx, conn, "Count", true, false)
	if err != nil {
		return err
	}
	total := 0
	for _, size := range sizes {
		message := make([]byte, size)
		total += size
		if err := s.SendMsg(&message); err != nil {
			return err
		}
	}
	if err := s.CloseSend(); err != nil {
		return err
	}
	var answer []byte
	if err := s.RecvMsg(&answer); err != nil {
		return err
	}
	if len(answer) != 16 || binary.BigEndian.Uint64(answer) != uint64(len(sizes)) ||
		binary.BigEndian.Uint64(answer[8:]) != uint64(total) {
		return errors.New("Count counted otherwise")
	}
	return nil
}

func slow(conn *grpc.ClientConn, arg string) (string, error) {
	millis, _ := strconv.Atoi(arg)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	request := int32s(millis)
	response, err := unary(ctx, conn, "Slow", request)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(response, request) {
		return "", errors.New("Slow answered other bytes")
	}
	return "", nil
}

func load(conn *grpc.ClientConn, arg string) (string, error) {
	seconds, _ := strconv.Atoi(arg)
	end := time.Now().Add(time.Duration(seconds) * time.Second)
	calls := 0
	for time.Now().Before(end) {
		payload := bytes.Repeat([]byte{byte(calls % 251)}, calls%2000)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		echo, err := unary(ctx, conn, "Echo", payload)
		cancel()
		if err != nil {
			return "", err
		}
		if !bytes.Equal(echo, payload) {
			return "", errors.New("Echo answered other bytes")
		}
		sent := [][]byte{bytes.Repeat([]byte{7}, 1), bytes.Repeat([]byte{7}, 100), bytes.Repeat([]byte{7}, 20000)}
		if err := chat(conn, sent); err != nil {
			return "", err
		}
		if err := produce(conn, 10, 30000); err != nil {
			return "", err
		}
		if err := count(conn, []int{10000, 10000, 10000, 10000, 10000}); err != nil {
			return "", err
		}
		calls += 4
	}
	return fmt.Sprintf("%d calls", calls), nil
}

func deadline(conn *grpc.ClientConn, arg string) (string, error) {
	millis, _ := strconv.Atoi(arg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(millis)*time.Millisecond)
	defer cancel()
	_, err := unary(ctx, conn, "Slow", int32s(10000))
	if err == nil {
		return "", fmt.Errorf("a 10 s call ended within its deadline of %d ms", millis)
	}
	if status.Code(err) != codes.DeadlineExceeded {
		return "", err
	}
	return "DEADLINE_EXCEEDED", nil
}

func cancelled(conn *grpc.ClientConn, arg string) (string, error) {
	millis, _ := strconv.Atoi(arg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := stream(ctx, conn, "Hang", true, true)
	if err != nil {
		return "", err
	}
	message := []byte{0}
	if err := s.SendMsg(&message); err != nil {
		return "", err
	}
	time.AfterFunc(time.Duration(millis)*time.Millisecond, cancel)
	var answer []byte
	err = s.RecvMsg(&answer)
	if status.Code(err) != codes.Canceled {
		return "", fmt.Errorf("the Hang call ended with %v, not CANCELLED", err)
	}
	return "CANCELLED", nil
}

var commands = map[string]func(*grpc.ClientConn, string) (string, error){
	"slow": slow, "load": load, "deadline": deadline, "cancel": cancelled,
}

func main() {
	port, args := os.Args[1], os.Args[2:]
	conn, err := grpc.Dial("127.0.0.1:"+port, grpc.WithInsecure(),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fmt.Println("FAILED dial:", err)
		os.Exit(1)
	}
	var wait sync.WaitGroup
	var lock sync.Mutex
	failed := false
	for i := 0; i+1 < len(args); i += 2 {
		name, arg := args[i], args[i+1]
		wait.Add(1)
		go func() {
			defer wait.Done()
			result, err := commands[name](conn, arg)
			lock.Lock()
			defer lock.Unlock()
			if err != nil {
				failed = true
				if s, ok := status.FromError(err); ok {
					fmt.Printf("FAILED %s %s: %s %s\n", name, arg, s.Code(), s.Message())
				} else {
					fmt.Printf("FAILED %s %s: %v\n", name, arg, err)
				}
				return
			}
			fmt.Printf("OK %s %s %s\n", name, arg, result)
		}()
	}
	wait.Wait()
	conn.Close()
	if failed {
		os.Exit(1)
	}
}
