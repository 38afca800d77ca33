/* src/client.c: the client side of PROTOCOL.md, against the other end of
 * a socketpair (or a listening socket) played by the test itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/check_main.h"
#include "islands/client.h"

static struct isl_client *client;
static int server = -1;     /* the daemon's end */

static void setup(void)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    client = isl_client_from_fd(sv[0]);
    ck_assert_ptr_nonnull(client);
    server = sv[1];
}

static void teardown(void)
{
    isl_client_close(client);
    client = NULL;
    if (server >= 0)
        close(server);
    server = -1;
}

static void server_writes(const char *text)
{
    size_t len = strlen(text);
    ck_assert_int_eq(write(server, text, len), (ssize_t)len);
}

/* Everything the client has sent so far, as a string. */
static char *server_reads(void)
{
    static char got[65536];
    ssize_t n = recv(server, got, sizeof got - 1, MSG_DONTWAIT);
    got[n > 0 ? n : 0] = '\0';
    return got;
}

static json_t *object(const char *text)
{
    json_t *o = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(o);
    return o;
}

START_TEST(call_sends_one_line_and_returns_the_response)
{
    server_writes("{\"id\":1,\"ok\":true,\"version\":\"1.0\",\"protocol\":1}\n");
    json_t *req = object("{\"id\":1,\"op\":\"ping\"}");
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_call(client, req, &resp, 1000), ISL_CLIENT_OK);
    ck_assert_str_eq(server_reads(), "{\"id\":1,\"op\":\"ping\"}\n");
    ck_assert(json_is_true(json_object_get(resp, "ok")));
    ck_assert_int_eq(json_integer_value(json_object_get(resp, "protocol")), 1);
    json_decref(req);
    json_decref(resp);
}
END_TEST

START_TEST(a_line_split_in_pieces_is_put_together)
{
    json_t *resp = NULL;
    server_writes("{\"id\":7,");
    ck_assert_int_eq(isl_client_recv(client, &resp, 0), ISL_CLIENT_TIMEOUT);
    ck_assert_int_eq(errno, ETIMEDOUT);
    server_writes("\"ok\":false,\"error\":\"not_allowed\",");
    ck_assert_int_eq(isl_client_recv(client, &resp, 0), ISL_CLIENT_TIMEOUT);
    server_writes("\"message\":\"no\"}\r\n");
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_OK);
    ck_assert_str_eq(json_string_value(json_object_get(resp, "error")), "not_allowed");
    json_decref(resp);
}
END_TEST

START_TEST(pipelined_responses_come_out_in_arrival_order)
{
    for (int id = 1; id <= 3; id++) {
        json_t *req = json_pack("{s:i, s:s, s:s}", "id", id, "op", "state", "game", "g");
        ck_assert_int_eq(isl_client_queue(client, req), ISL_CLIENT_OK);
        json_decref(req);
    }
    ck_assert_uint_gt(isl_client_pending_output(client), 0);
    ck_assert_int_eq(isl_client_flush(client), ISL_CLIENT_OK);
    ck_assert_uint_eq(isl_client_pending_output(client), 0);
    ck_assert_str_eq(server_reads(), "{\"id\":1,\"op\":\"state\",\"game\":\"g\"}\n"
                                     "{\"id\":2,\"op\":\"state\",\"game\":\"g\"}\n"
                                     "{\"id\":3,\"op\":\"state\",\"game\":\"g\"}\n");

    /* Non-blocking: nothing there yet. */
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_read(client), ISL_CLIENT_AGAIN);
    ck_assert_int_eq(isl_client_pop(client, &resp), ISL_CLIENT_AGAIN);

    server_writes("{\"id\":2,\"ok\":true}\n{\"id\":1,\"ok\":true}\n{\"id\":3,");
    ck_assert_int_eq(isl_client_read(client), ISL_CLIENT_OK);
    const int expected[] = { 2, 1 };
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(isl_client_pop(client, &resp), ISL_CLIENT_OK);
        ck_assert_int_eq(json_integer_value(json_object_get(resp, "id")), expected[i]);
        json_decref(resp);
    }
    ck_assert_int_eq(isl_client_pop(client, &resp), ISL_CLIENT_AGAIN);
    server_writes("\"ok\":true}\n");
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_OK);
    ck_assert_int_eq(json_integer_value(json_object_get(resp, "id")), 3);
    json_decref(resp);
}
END_TEST

START_TEST(raw_lines_are_returned_unchanged)
{
    server_writes("{\"ok\": true,  \"x\":1}\n");
    char *line = NULL;
    size_t len = 0;
    ck_assert_int_eq(isl_client_recv_line(client, &line, &len, 1000), ISL_CLIENT_OK);
    ck_assert_str_eq(line, "{\"ok\": true,  \"x\":1}");
    ck_assert_uint_eq(len, strlen(line));
    free(line);
}
END_TEST

START_TEST(a_clean_close_is_eof_after_the_last_line)
{
    server_writes("{\"id\":1,\"ok\":true}\n");
    close(server);
    server = -1;
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_OK);
    json_decref(resp);
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_EOF);
    ck_assert_int_eq(isl_client_read(client), ISL_CLIENT_EOF);
}
END_TEST

START_TEST(a_close_in_the_middle_of_a_line_is_an_error)
{
    server_writes("{\"id\":1,\"ok\"");
    close(server);
    server = -1;
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_ERROR);
    ck_assert_int_eq(errno, EPROTO);
}
END_TEST

START_TEST(a_line_over_the_limit_is_refused)
{
    isl_client_set_max_line(client, 16);
    server_writes("{\"ok\":true,\"pad\":\"0123456789\"");     /* no newline yet */
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_BAD_LINE);
    ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST(a_complete_line_over_the_limit_is_refused)
{
    isl_client_set_max_line(client, 16);
    server_writes("{\"ok\":true,\"a\":\"long enough\"}\n");
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_BAD_LINE);
    ck_assert_int_eq(errno, EMSGSIZE);
}
END_TEST

START_TEST(a_line_at_the_limit_is_accepted)
{
    isl_client_set_max_line(client, 11);
    server_writes("{\"ok\":true}\n");      /* 11 bytes */
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_OK);
    json_decref(resp);
}
END_TEST

START_TEST(a_long_line_arrives_whole)
{
    /* Several reads' worth: written by a child, as the socket buffer is smaller. */
    size_t pad = 3u * 1024 * 1024;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char *text = malloc(pad + 32);
        int n = sprintf(text, "{\"ok\":true,\"pad\":\"");
        memset(text + n, 'x', pad);
        strcpy(text + n + pad, "\"}\n");
        size_t len = strlen(text), off = 0;
        while (off < len) {
            ssize_t w = write(server, text + off, len - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 10000), ISL_CLIENT_OK);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(resp, "pad"))), pad);
    json_decref(resp);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(a_line_that_is_not_an_object_is_a_bad_line)
{
    server_writes("[1,2]\nnot json\n");
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_BAD_LINE);
    ck_assert_int_eq(errno, EBADMSG);
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_BAD_LINE);
}
END_TEST

/* The daemon echoes an id as written, whatever jansson can hold. */
START_TEST(an_answer_echoing_a_huge_id_is_read)
{
    server_writes("{\"id\":1e400,\"ok\":true}\n{\"id\":123456789012345678901234,\"ok\":true}\n");
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_OK);
    ck_assert(json_is_true(json_object_get(resp, "ok")));
    ck_assert(json_is_real(json_object_get(resp, "id")));
    json_decref(resp);
    ck_assert_int_eq(isl_client_recv(client, &resp, 1000), ISL_CLIENT_OK);
    ck_assert(json_is_integer(json_object_get(resp, "id")));
    json_decref(resp);
}
END_TEST

START_TEST(only_objects_are_sent)
{
    json_t *arr = json_array();
    ck_assert_int_eq(isl_client_queue(client, arr), ISL_CLIENT_ERROR);
    ck_assert_int_eq(errno, EINVAL);
    json_decref(arr);
}
END_TEST

START_TEST(newlines_in_strings_stay_escaped)
{
    json_t *req = json_pack("{s:s}", "name", "a\nb");
    ck_assert_int_eq(isl_client_send(client, req, 1000), ISL_CLIENT_OK);
    ck_assert_str_eq(server_reads(), "{\"name\":\"a\\nb\"}\n");
    json_decref(req);
}
END_TEST

START_TEST(sending_to_a_closed_peer_is_epipe_not_a_signal)
{
    close(server);
    server = -1;
    json_t *req = json_pack("{s:s}", "op", "ping");
    ck_assert_int_eq(isl_client_send(client, req, 1000), ISL_CLIENT_ERROR);
    ck_assert_int_eq(errno, EPIPE);
    json_decref(req);
}
END_TEST

START_TEST(a_full_socket_leaves_output_pending)
{
    size_t big = 4u * 1024 * 1024;
    char *text = malloc(big + 1);
    memset(text, 'y', big);
    text[big] = '\0';
    json_t *req = json_pack("{s:s}", "pad", text);
    free(text);
    ck_assert_int_eq(isl_client_queue(client, req), ISL_CLIENT_OK);
    json_decref(req);
    ck_assert_int_eq(isl_client_flush(client), ISL_CLIENT_AGAIN);
    ck_assert_uint_gt(isl_client_pending_output(client), 0);
    json_t *empty = json_object();
    ck_assert_int_eq(isl_client_send(client, empty, 0), ISL_CLIENT_TIMEOUT);
    json_decref(empty);

    /* Drain on the server side until both lines are there. */
    size_t received = 0, lines = 0;
    char chunk[65536];
    while (lines < 2) {
        isl_client_flush(client);
        ssize_t n = recv(server, chunk, sizeof chunk, MSG_DONTWAIT);
        for (ssize_t i = 0; i < n; i++)
            lines += chunk[i] == '\n';
        received += n > 0 ? (size_t)n : 0;
    }
    ck_assert_uint_eq(received, big + strlen("{\"pad\":\"\"}\n") + strlen("{}\n"));
    ck_assert_uint_eq(isl_client_pending_output(client), 0);
}
END_TEST

/* A configuration file holding text, in a fresh temporary directory. */
static void write_config(char *path, size_t size, const char *text)
{
    char dir[] = "/tmp/islands-client-config-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, size, "%s/islands.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static void remove_config(const char *path)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    unlink(path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
}

START_TEST(socket_path_comes_from_option_then_environment_then_config_then_default)
{
    char buf[ISL_PATH_MAX], err[256], config[256], bad[256];
    write_config(config, sizeof config, "# the daemon's\nsocket = /tmp/conf.sock\nintensity = 3\n");
    write_config(bad, sizeof bad, "socket = /tmp/bad.sock\nno_such_key = 1\n");
    unsetenv(ISL_CLIENT_SOCKET_ENV);
    ck_assert_str_eq(isl_client_socket_path(NULL, "/nonexistent/islands.conf", buf, err, sizeof err),
                     "/run/islands/islandsd.sock");
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/islands.conf"));   /* named, not there */
    ck_assert_str_eq(isl_client_socket_path(NULL, config, buf, err, sizeof err), "/tmp/conf.sock");
    ck_assert_str_eq(err, "");
    /* A file that does not read cleanly: said, and the default tried. */
    ck_assert_str_eq(isl_client_socket_path(NULL, bad, buf, err, sizeof err),
                     "/run/islands/islandsd.sock");
    ck_assert_ptr_nonnull(strstr(err, "no_such_key"));
    setenv(ISL_CLIENT_SOCKET_ENV, "", 1);
    ck_assert_str_eq(isl_client_socket_path(NULL, config, buf, err, sizeof err), "/tmp/conf.sock");
    setenv(ISL_CLIENT_SOCKET_ENV, "/tmp/env.sock", 1);
    ck_assert_str_eq(isl_client_socket_path(NULL, config, buf, err, sizeof err), "/tmp/env.sock");
    ck_assert_str_eq(isl_client_socket_path("/tmp/opt.sock", config, buf, err, sizeof err),
                     "/tmp/opt.sock");
    unsetenv(ISL_CLIENT_SOCKET_ENV);
    remove_config(config);
    remove_config(bad);
}
END_TEST

START_TEST(connect_reports_why_it_failed)
{
    errno = 0;
    ck_assert_ptr_null(isl_client_connect("/nonexistent/islands.sock", 100));
    ck_assert_int_eq(errno, ENOENT);
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    ck_assert_ptr_null(isl_client_connect(longpath, 100));
    ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(connect_to_a_listening_socket_and_talk)
{
    char dir[] = "/tmp/islands-client-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/s.sock", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, path);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&addr, sizeof addr), 0);
    ck_assert_int_eq(listen(lfd, 4), 0);

    struct isl_client *c = isl_client_connect(path, 1000);
    ck_assert_ptr_nonnull(c);
    int peer = accept(lfd, NULL, NULL);
    ck_assert_int_ge(peer, 0);
    ck_assert_int_eq(write(peer, "{\"id\":\"x\",\"ok\":true}\n", 21), 21);
    json_t *req = json_pack("{s:s, s:s}", "id", "x", "op", "ping");
    json_t *resp = NULL;
    ck_assert_int_eq(isl_client_call(c, req, &resp, 1000), ISL_CLIENT_OK);
    ck_assert_str_eq(json_string_value(json_object_get(resp, "id")), "x");
    ck_assert_int_ge(fcntl(isl_client_fd(c), F_GETFL) & O_NONBLOCK, 1);
    json_decref(req);
    json_decref(resp);
    isl_client_close(c);
    close(peer);
    close(lfd);
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(every_status_has_a_text)
{
    const enum isl_client_status all[] = {
        ISL_CLIENT_OK, ISL_CLIENT_AGAIN, ISL_CLIENT_EOF, ISL_CLIENT_ERROR,
        ISL_CLIENT_TIMEOUT, ISL_CLIENT_BAD_LINE,
    };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        ck_assert_str_ne(isl_client_status_text(all[i]), "unknown status");
    ck_assert_str_eq(isl_client_status_text(ISL_CLIENT_TIMEOUT), "timed out");
}
END_TEST

static Suite *client_lib_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("lines");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, call_sends_one_line_and_returns_the_response);
    tcase_add_test(tc, a_line_split_in_pieces_is_put_together);
    tcase_add_test(tc, pipelined_responses_come_out_in_arrival_order);
    tcase_add_test(tc, raw_lines_are_returned_unchanged);
    tcase_add_test(tc, a_clean_close_is_eof_after_the_last_line);
    tcase_add_test(tc, a_close_in_the_middle_of_a_line_is_an_error);
    tcase_add_test(tc, a_line_over_the_limit_is_refused);
    tcase_add_test(tc, a_complete_line_over_the_limit_is_refused);
    tcase_add_test(tc, a_line_at_the_limit_is_accepted);
    tcase_add_test(tc, a_long_line_arrives_whole);
    tcase_add_test(tc, a_line_that_is_not_an_object_is_a_bad_line);
    tcase_add_test(tc, an_answer_echoing_a_huge_id_is_read);
    tcase_add_test(tc, only_objects_are_sent);
    tcase_add_test(tc, newlines_in_strings_stay_escaped);
    tcase_add_test(tc, sending_to_a_closed_peer_is_epipe_not_a_signal);
    tcase_add_test(tc, a_full_socket_leaves_output_pending);
    suite_add_tcase(s, tc);

    TCase *conn = tcase_create("connect");
    tcase_add_test(conn, socket_path_comes_from_option_then_environment_then_config_then_default);
    tcase_add_test(conn, connect_reports_why_it_failed);
    tcase_add_test(conn, connect_to_a_listening_socket_and_talk);
    tcase_add_test(conn, every_status_has_a_text);
    suite_add_tcase(s, conn);
    return s;
}

ISL_CHECK_MAIN(client_lib_suite)
