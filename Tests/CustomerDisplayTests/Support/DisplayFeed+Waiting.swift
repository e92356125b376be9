import CustomerDisplay

extension DisplayFeed {
    /// Returns once exactly `count` subscribers are connected (the test's time limit bounds the wait).
    func waitForSubscribers(_ count: Int) async {
        for await current in self.subscriberCountUpdates() where current == count {
            return
        }
    }
}
