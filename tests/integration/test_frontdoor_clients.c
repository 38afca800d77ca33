/* The front door's places over a real islandsd: client_timeout frees the
 * places of connections that do nothing (one that holds nothing, only when
 * its place is wanted), and never closes one whose request is still in the
 * daemon or one that keeps asking; a reload that
 * raises max_clients serves the connections waiting for a place. */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "check_main.h"
#include "protocol_harness.h"

#define PING "{\"op\":\"ping\"}"

/* SIGTERM: a clean stop, status 0 (under ASan, no leak either). */
static void stop_cleanly(struct testd *d)
{
    int status = testd_stop(d);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "islandsd status %d; see %s",
                  status, d->log);
    testd_cleanup(d);
}

/* Requests with long ids (each echoed in its answer), sent without reading
 * until islandsd stops reading them: it then holds answers the client does
 * not take. */
static void fill_without_reading(struct raw *r)
{
    enum { ID_LEN = 2000 };
    char line[ID_LEN + 64];
    int n = snprintf(line, sizeof line, "{\"op\":\"ping\",\"id\":\"");
    memset(line + n, 'x', ID_LEN);
    strcpy(line + n + ID_LEN, "\"}\n");
    size_t len = strlen(line), sent = 0;
    ck_assert_int_eq(fcntl(r->fd, F_SETFL, O_NONBLOCK), 0);
    struct pollfd p = {.fd = r->fd, .events = POLLOUT};
    while (poll(&p, 1, 100) == 1) {
        ssize_t k = send(r->fd, line + sent % len, len - sent % len, MSG_NOSIGNAL);
        ck_assert_msg(k > 0 || errno == EAGAIN, "send: %s", strerror(errno));
        sent += k > 0 ? (size_t)k : 0;
        ck_assert_msg(sent < 64u << 20, "islandsd never stopped reading");
    }
    ck_assert_int_eq(fcntl(r->fd, F_SETFL, 0), 0);
}

/* Every place taken by connections that do nothing (the served ones, and
 * as many waiting: one that sent nothing since its last answer, one with
 * half a line, one that does not read its answers, one answered busy and
 * silent since) locks every other client out, admins included, until
 * client_timeout closes them: each one waited for, or holding something
 * (half a line, answers not taken). The silent one, served once places
 * free and holding nothing, then stays, as no one waits for its place. */
START_TEST(idle_connections_are_closed_and_their_places_freed)
{
    struct testd d = {0};
    testd_start(&d, "max_clients = 2\nclient_timeout = 1\nmax_output = 4096");
    /* From here on each does its last thing, so none can be closed within
     * a second of this. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* testd's own connection is the first served one. */
    expect_ok_free(testd_call(&d, "{s:s}", "op", "ping"), "testd's ping");
    struct raw *half_line = raw_open(&d);
    raw_expect_ok(half_line, PING);
    raw_sends(half_line, "{\"id\":1,\"op\":\"pi");
    struct raw *not_reading = raw_open(&d);   /* waiting */
    fill_without_reading(not_reading);
    struct raw *silent = raw_open(&d);        /* waiting: the room is full */
    raw_expect_error(silent, PING, "busy");
    /* A newcomer waits in the listen backlog until one is closed. */
    struct raw *newcomer = raw_open(&d);
    raw_sends(newcomer, PING "\n");
    json_t *first = raw_recv(newcomer);
    struct timespec answered;
    clock_gettime(CLOCK_MONOTONIC, &answered);
    long waited_ms = (answered.tv_sec - start.tv_sec) * 1000 +
                     (answered.tv_nsec - start.tv_nsec) / 1000000;
    ck_assert_msg(waited_ms >= 900, "answered after %ld ms: a place freed too early", waited_ms);
    json_decref(first);
    /* It keeps asking (so it is never idle) until it is served and all four
     * are gone. */
    bool served = false;
    for (int i = 0; i < 100 && !(served && testd_log_count(&d, "event=client_timeout") >= 3);
         i++) {
        ms_sleep(100);
        json_t *r = raw_call(newcomer, PING);
        served = testd_ok(r);
        json_decref(r);
    }
    ck_assert_msg(served, "the newcomer was never served");
    /* testd's own (waited for), half a line, unread answers. */
    ck_assert_int_eq(testd_log_count(&d, "event=client_timeout"), 3);
    ck_assert(raw_closed(half_line, 5000));
    raw_expect_ok(silent, PING);   /* served now, and kept */
    /* Closed while its answers lay unread: they come, then at once the end. */
    ck_assert(raw_closed(not_reading, 200));
    /* An admin gets in as well: it waits (busy), and the place of the one
     * idle the longest (the silent one or the newcomer, now quiet too)
     * comes to it once that one has been idle for the timeout. */
    struct raw *admin = raw_open(&d);
    json_t *status = NULL;
    for (int i = 0; i < 40 && !testd_ok(status); i++) {
        json_decref(status);
        status = raw_call(admin, "{\"op\":\"status\"}");
        if (!testd_ok(status))
            ms_sleep(100);
    }
    ck_assert_msg(testd_ok(status), "status: %s", testd_error(status));
    json_decref(status);
    ck_assert_int_eq(testd_log_count(&d, "event=client_timeout"), 4);
    raw_close(admin);
    raw_close(newcomer);
    raw_close(not_reading);
    raw_close(silent);
    raw_close(half_line);
    stop_cleanly(&d);
}
END_TEST

/* A request that waits for its worker (here stopped for over twice the
 * timeout, well within request_timeout_ms) is the daemon's delay, not the
 * client's: its connection stays, and gets the answer. */
START_TEST(a_request_in_the_daemon_keeps_its_connection)
{
    struct testd d = {0};
    testd_start(&d, "max_clients = 2\nclient_timeout = 1\nrequest_timeout_ms = 6000");
    expect_ok_free(testd_call(&d, "{s:s, s:s, s:s}", "op", "new_game", "game", "g", "name", "A"),
                   "new_game");
    long worker = testd_worker_pid(&d, "g");
    ck_assert_int_gt(worker, 0);
    struct raw *r = raw_open(&d);
    raw_expect_ok(r, PING);
    ck_assert_int_eq(kill((pid_t)worker, SIGSTOP), 0);
    raw_sends(r, "{\"id\":7,\"op\":\"state\",\"game\":\"g\"}\n");
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    int ready = poll(&p, 1, 2500);
    kill((pid_t)worker, SIGCONT);
    ck_assert_msg(ready == 0, "answered or closed while the worker was stopped");
    json_t *state = raw_recv(r);
    ck_assert_msg(testd_ok(state), "state: %s", testd_error(state));
    ck_assert_int_eq(json_integer_value(json_object_get(state, "id")), 7);
    json_decref(state);
    raw_expect_ok(r, PING);
    raw_close(r);
    stop_cleanly(&d);
}
END_TEST

/* A client that asks again before each timeout stays as long as it likes. */
START_TEST(a_client_that_keeps_asking_stays)
{
    struct testd d = {0};
    testd_start(&d, "max_clients = 2\nclient_timeout = 1");
    struct raw *r = raw_open(&d);
    for (int i = 0; i < 10; i++) {   /* 4 s */
        raw_expect_ok(r, PING);
        ms_sleep(400);
    }
    raw_expect_ok(r, PING);
    /* testd's own connection, idle all along, is kept too: no one waited. */
    ck_assert_int_eq(testd_log_count(&d, "event=client_timeout"), 0);
    raw_close(r);
    stop_cleanly(&d);
}
END_TEST

/* A served connection idle past client_timeout, holding nothing, keeps its
 * place while there is room (a player waiting quietly for a long game);
 * a client that comes for its place gets it at once, from the one idle
 * the longest, and one that moves again is timed afresh. */
START_TEST(an_idle_connection_keeps_its_place_until_it_is_wanted)
{
    struct testd d = {0};
    testd_start(&d, "max_clients = 3\nclient_timeout = 1");
    expect_ok_free(testd_call(&d, "{s:s}", "op", "ping"), "testd's ping");
    struct raw *quiet = raw_open(&d), *mover = raw_open(&d);
    raw_expect_ok(quiet, PING);
    raw_expect_ok(mover, PING);
    ms_sleep(1500);
    ck_assert_int_eq(testd_log_count(&d, "event=client_timeout"), 0);
    raw_expect_ok(mover, PING);   /* moves again: its second starts anew */
    raw_expect_ok(quiet, PING);
    ms_sleep(1500);
    /* testd's connection (idle since the start) gives its place up first. */
    struct raw *newcomer = raw_open(&d);
    raw_expect_ok(newcomer, PING);
    ck_assert_int_eq(testd_log_count(&d, "event=client_timeout"), 1);
    /* Every place is taken again: the next one takes an idle one's too. */
    struct raw *another = raw_open(&d);
    raw_expect_ok(another, PING);
    ck_assert_int_eq(testd_log_count(&d, "event=client_timeout"), 2);
    raw_close(another);
    raw_close(newcomer);
    raw_close(mover);
    raw_close(quiet);
    stop_cleanly(&d);
}
END_TEST

/* max_clients = 2, testd's own connection and one more served, the third
 * waiting: a reload to 100 serves it at once, with no one leaving. */
START_TEST(a_higher_max_clients_serves_the_waiting_at_once)
{
    struct testd d = {0};
    testd_start(&d, "max_clients = 2");
    struct raw *second = raw_open(&d), *third = raw_open(&d);
    raw_expect_ok(second, PING);
    raw_expect_error(third, PING, "busy");
    testd_reload(&d, "max_clients = 100", 1);
    raw_expect_ok(third, PING);
    raw_expect_ok(second, PING);
    raw_close(third);
    raw_close(second);
    stop_cleanly(&d);
}
END_TEST

/* With the waiting room full too, the acceptor has stopped and a newcomer
 * sits in the listen backlog: the reload takes it in as well. */
START_TEST(a_higher_max_clients_accepts_again)
{
    struct testd d = {0};
    testd_start(&d, "max_clients = 2");
    struct raw *served = raw_open(&d), *waiting[2] = {raw_open(&d), raw_open(&d)};
    raw_expect_ok(served, PING);
    for (int i = 0; i < 2; i++)
        raw_expect_error(waiting[i], PING, "busy");
    struct raw *newcomer = raw_open(&d);
    raw_sends(newcomer, PING "\n");
    struct pollfd p = {.fd = newcomer->fd, .events = POLLIN};
    ck_assert_msg(poll(&p, 1, 300) == 0, "the newcomer was answered with every place taken");
    testd_reload(&d, "max_clients = 100", 1);
    expect_ok_free(raw_recv(newcomer), "the newcomer's ping");
    for (int i = 0; i < 2; i++)
        raw_expect_ok(waiting[i], PING);
    raw_close(newcomer);
    for (int i = 0; i < 2; i++)
        raw_close(waiting[i]);
    raw_close(served);
    stop_cleanly(&d);
}
END_TEST

static Suite *frontdoor_clients_suite(void)
{
    Suite *s = suite_create("frontdoor_clients");
    TCase *timeout = tcase_create("client_timeout");
    tcase_set_timeout(timeout, 60);
    tcase_add_test(timeout, idle_connections_are_closed_and_their_places_freed);
    tcase_add_test(timeout, a_request_in_the_daemon_keeps_its_connection);
    tcase_add_test(timeout, a_client_that_keeps_asking_stays);
    tcase_add_test(timeout, an_idle_connection_keeps_its_place_until_it_is_wanted);
    suite_add_tcase(s, timeout);
    TCase *reload = tcase_create("reload");
    tcase_set_timeout(reload, 60);
    tcase_add_test(reload, a_higher_max_clients_serves_the_waiting_at_once);
    tcase_add_test(reload, a_higher_max_clients_accepts_again);
    suite_add_tcase(s, reload);
    return s;
}

ISL_CHECK_MAIN(frontdoor_clients_suite)
