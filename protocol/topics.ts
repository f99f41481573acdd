/**
 * MQTT 3.1.1 topics: validation, matching and a filter trie. The code lives in two files to keep
 * each small; import from here.
 */
export { TopicMatcher } from './topicMatcher.js';
export { topicMatches, utf8Length, validateTopicFilter, validateTopicName } from './topicRules.js';
