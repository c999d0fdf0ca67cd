package io.logstream.query.rules;

import io.logstream.query.problem.ClientSafeException;

/** A ruler API call on a namespace or group that is not there (or that the caller may not see): a 404 problem. */
public class RuleGroupNotFound extends ClientSafeException {
    public RuleGroupNotFound(String message) {
        super(message);
    }

    @Override
    public String problemType() {
        return "rule-group-not-found";
    }

    @Override
    public String title() {
        return "No such rule group";
    }

    @Override
    public int status() {
        return 404;
    }
}
