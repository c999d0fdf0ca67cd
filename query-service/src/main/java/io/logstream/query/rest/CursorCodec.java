package io.logstream.query.rest;

import io.logstream.query.store.LogQuery;

import io.logstream.model.LogKeys;
import io.logstream.query.config.QuerySettings;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.context.annotation.Context;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Opaque page cursors: the position (last sort key of the page) bound to the query it belongs to, signed with
 * HMAC-SHA256. A cursor that was altered, or is presented with another service or other query parameters, does not
 * verify.
 */
@Context // created at start-up, so a short CURSOR_SECRET stops the service before it serves
public class CursorCodec {
    private static final String VERSION = "1";
    /** 32 characters: 192 bits or more for a base64 secret, out of reach of a brute force on one cursor. */
    public static final int MIN_SECRET_LENGTH = 32;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** Initialised once with the key; each use takes a clone, which is far cheaper than a provider lookup and init. */
    private final Mac prototype;
    /** The query fingerprint's digest, looked up once and cloned per use like {@link #prototype}. */
    private final MessageDigest sha256;

    public CursorCodec(QuerySettings settings) {
        byte[] secret;
        if (settings.cursorSecret() != null && !settings.cursorSecret().isBlank()) {
            if (settings.cursorSecret().length() < MIN_SECRET_LENGTH) {
                throw new ConfigurationException("CURSOR_SECRET must be at least " + MIN_SECRET_LENGTH
                        + " characters (e.g. openssl rand -base64 32); a short key lets anyone forge cursors");
            }
            secret = settings.cursorSecret().getBytes(StandardCharsets.UTF_8);
        } else {
            secret = new byte[32];
            new SecureRandom().nextBytes(secret);
        }
        try {
            this.prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(secret, "HmacSHA256"));
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 or SHA-256 unavailable", e);
        }
    }

    public String encode(LogQuery query, String position) {
        byte[] payload = (VERSION + '\n' + digest(query.fingerprint()) + '\n' + position)
                .getBytes(StandardCharsets.UTF_8);
        return ENCODER.encodeToString(payload) + '.' + ENCODER.encodeToString(mac(payload));
    }

    /** The position in {@code cursor}, if it is genuine and was issued for this same query. */
    public Optional<String> decode(LogQuery query, String cursor) {
        int dot = cursor.indexOf('.');
        if (dot <= 0 || dot != cursor.lastIndexOf('.')) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] signature;
        try {
            payload = DECODER.decode(cursor.substring(0, dot));
            signature = DECODER.decode(cursor.substring(dot + 1));
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac(payload), signature)) {
            return Optional.empty();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\n", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0]) || !digest(query.fingerprint()).equals(parts[1])) {
            return Optional.empty();
        }
        String position = parts[2];
        if (!position.matches("\\d{13}#.+") || !LogKeys.isValidName(LogKeys.idOf(position))) {
            return Optional.empty();
        }
        return Optional.of(position);
    }

    private byte[] mac(byte[] payload) {
        try {
            return ((Mac) prototype.clone()).doFinal(payload);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 cannot be cloned", e);
        }
    }

    private String digest(String text) {
        try {
            byte[] hash = ((MessageDigest) sha256.clone()).digest(text.getBytes(StandardCharsets.UTF_8));
            return ENCODER.encodeToString(hash).substring(0, 22);
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 cannot be cloned", e);
        }
    }
}
