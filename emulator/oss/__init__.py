"""OSS (its own REST protocol, not POP): buckets and objects, V4 and V1 signatures, XML answers."""
